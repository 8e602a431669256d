import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limit of requests per BatchWriteItem. */
export const BATCH_WRITE_LIMIT = 25;

/**
 * Puts every item (unconditionally: whole items replace what is there), 25 per BatchWriteItem,
 * resending what DynamoDB leaves unprocessed after a short, growing pause (it means throttling).
 */
export async function batchPutAll(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
    let requests: NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string] | undefined =
      items.slice(i, i + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const out: BatchWriteCommandOutput = await doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = out.UnprocessedItems?.[table];
    }
  }
}
