import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { TableKey } from './keys';

/** DynamoDB's limit of keys per BatchGetItem call. */
const KEYS_PER_CALL = 100;

/**
 * The items at `keys` (missing ones are simply not returned, in no particular order), 100 keys
 * per call, asking again for the keys DynamoDB left unprocessed (it does under throttling: an
 * unprocessed key is not a missing item).
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly TableKey[],
  options: { consistent?: boolean; projection?: string } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
    let pending: Record<string, unknown>[] | undefined = keys
      .slice(i, i + KEYS_PER_CALL)
      .map((k): Record<string, unknown> => ({ pk: k.pk, sk: k.sk }));
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
      const out: BatchGetCommandOutput = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: options.consistent || undefined,
              ProjectionExpression: options.projection,
            },
          },
        }),
      );
      found.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
}
