import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { GSI1 } from './keys';

/** One page of a GSI1 partition, for the API's cursor-paged lists. */
export interface GsiPageQuery {
  table: string;
  partition: string;
  limit: number;
  cursor?: string;
  /** Sort-key order; newest (highest) first by default. */
  ascending?: boolean;
}

/**
 * Reads one page of a GSI1 partition. The cursor is checked to belong to that partition, so a
 * crafted cursor cannot read another one; `nextCursor` is null on the last page.
 */
export async function queryGsiPage(
  doc: DynamoDBDocumentClient,
  q: GsiPageQuery,
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
  const page = await doc.send(
    new QueryCommand({
      TableName: q.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': q.partition },
      ScanIndexForward: q.ascending ?? false,
      Limit: q.limit,
      ExclusiveStartKey: decodeCursor(q.cursor, { gsi1pk: q.partition }),
    }),
  );
  return { items: page.Items ?? [], nextCursor: encodeCursor(page.LastEvaluatedKey) };
}
