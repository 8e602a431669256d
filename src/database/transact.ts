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

/**
 * Writes `items` in one transaction; false when any item's condition failed (a revision, or a
 * balance another module's items are conditioned on, moved since it was read) or another
 * transaction was writing the same item, so the caller reads again and retries. Any other
 * failure is thrown.
 */
export async function transactIfConditionsHold(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<boolean> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.some(
        (reason) =>
          reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
      )
    ) {
      return false;
    }
    throw error;
  }
}
