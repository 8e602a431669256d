import type { DynamoDBRecord } from 'aws-lambda';
import { OUTBOX_ITEM_TYPE, SUBSCRIBER_QUEUE_ITEM_TYPE } from '../events/outbox.model';

/** The item a record names, as `{ pk, sk }`. */
export interface StreamItemKey {
  pk: string;
  sk: string;
}

const QUEUE_ITEM_TYPES: ReadonlySet<string> = new Set([
  OUTBOX_ITEM_TYPE,
  SUBSCRIBER_QUEUE_ITEM_TYPE,
]);

/**
 * The key of the new queue item (outbox item or subscriber queue item) a stream record carries,
 * or undefined for anything else: other items, updates (a relay's own claims and releases) and
 * removals. Reads the DynamoDB JSON of `NewImage` (string attributes only).
 */
export function newQueueItemKey(record: DynamoDBRecord): StreamItemKey | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  const type = image?.type?.S;
  const pk = image?.pk?.S;
  const sk = image?.sk?.S;
  if (type === undefined || !QUEUE_ITEM_TYPES.has(type) || !pk || !sk) return undefined;
  return { pk, sk };
}

/**
 * What Lambda's partial batch response names a record by: its sequence number (what the
 * event source mapping checkpoints on), else its event id.
 */
export function recordId(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? record.eventID ?? '';
}
