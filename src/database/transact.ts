import { type CancellationReason, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from './transact-item';

/** Runs the transaction; false when `lost(reasons)` says the caller lost a race, else throws. */
async function transactUnless(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
  lost: (reasons: CancellationReason[]) => boolean,
): Promise<boolean> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && lost(error.CancellationReasons ?? [])) {
      return false;
    }
    throw error;
  }
}

/**
 * Writes `items` in one transaction whose first item carries the caller's condition ("does not
 * exist yet", "revision unchanged"). False when exactly that condition failed, so callers can
 * answer "already exists" or "changed concurrently"; any other failure is thrown.
 */
export function transactIfFirstHolds(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<boolean> {
  return transactUnless(doc, items, (reasons) => reasons[0]?.Code === 'ConditionalCheckFailed');
}

/**
 * Writes `items` in one transaction; false when any item's condition failed (a revision, or a
 * balance another module's items are conditioned on, moved since it was read) or another
 * transaction was writing the same item, so the caller reads again and retries. Any other
 * failure is thrown.
 */
export function transactIfConditionsHold(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
): Promise<boolean> {
  return transactUnless(doc, items, (reasons) =>
    reasons.some(
      (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
    ),
  );
}
