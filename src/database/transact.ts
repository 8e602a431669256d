import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from './transact-item';

/**
 * Writes `items` in one transaction whose first item carries the caller's condition ("does not
 * exist yet", "revision unchanged"). False when exactly that condition failed, so callers can
 * answer "already exists" or "changed concurrently"; any other failure is thrown.
 */
export async function transactIfFirstHolds(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<boolean> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      return false;
    }
    throw error;
  }
}
