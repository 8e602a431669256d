import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { BillingEvent } from './billing-event.model';

export const OUTBOX_ITEM_TYPE = 'OutboxBatch';
/** The same shape in a subscriber's queue (Keys.subscriberQueue). */
export const SUBSCRIBER_QUEUE_ITEM_TYPE = 'SubscriberQueueItem';

/**
 * One committed change's events, waiting to be published. Key: `OUTBOX#<shard>` /
 * `<createdAt>#<id>` (Keys.outbox), so each shard reads in order of creation.
 *
 * Stored with the events as one JSON string (`payload`, see `StoredOutboxItem`; deflated when
 * long, see `toStoredAttributes`): far cheaper for DynamoDB and the SDK to write and read back
 * than a list of nested maps, and byte for byte what will be sent.
 *
 * Lifecycle: written with the change (attempts 0, no claim) → claimed by one relay
 * (`claimedBy`, `claimUntil` = lease end, epoch ms) → deleted once every event is confirmed.
 * Written by `OutboxWriter.ownedEntryFor`, it is born claimed by the relay of the instance that
 * writes it, which delivers it right after the commit (or its lease ends and any relay does).
 * An item left unfinished (outage, refused entries, a long item renewing its lease) records in
 * `published` the eventIds EventBridge already confirmed, so they are not sent again.
 * A failed item is released (`claimedBy` removed); when its entries keep failing, `claimUntil`
 * is set without an owner, which makes every relay leave it alone until then (per-item backoff).
 */
export interface OutboxItem {
  pk: string;
  sk: string;
  type: typeof OUTBOX_ITEM_TYPE | typeof SUBSCRIBER_QUEUE_ITEM_TYPE;
  id: string;
  shard: number;
  createdAt: string;
  events: BillingEvent[];
  eventCount: number;
  attempts: number;
  published?: Set<string>;
  claimedBy?: string;
  claimUntil?: number;
  lastError?: string;
  /** Set once the item's events were copied to the subscriber queues (OutboxRepository.fanOut). */
  fannedOut?: boolean;
}

/** The item as written to the table: `events` travel as their JSON text. */
export interface StoredOutboxItem extends Omit<OutboxItem, 'events'> {
  payload: string;
}

/**
 * Payloads longer than this are written deflated (`payloadZ`, binary) instead of as text: a
 * usage batch's events (similar JSON) shrink about 7×, and DynamoDB charges every write of the
 * item (the put, the claim, the delete, each subscriber queue's copy) by its size. Short ones
 * stay text: a write costs at least one unit anyway.
 */
export const DEFLATE_ABOVE_BYTES = 1024;

/** The item as it goes to DynamoDB: `payload` as text, or deflated into `payloadZ`. */
export function toStoredAttributes(item: StoredOutboxItem): Record<string, unknown> {
  if (Buffer.byteLength(item.payload, 'utf8') <= DEFLATE_ABOVE_BYTES) return { ...item };
  const { payload, ...rest } = item;
  return { ...rest, payloadZ: deflateRawSync(payload, { level: 3 }) };
}

/** An item as read from DynamoDB (`toStoredAttributes`), text or deflated. */
export function fromStoredOutboxItem(stored: StoredOutboxItem & { payloadZ?: Uint8Array }) {
  const { payload, payloadZ, ...item } = stored;
  const json = payloadZ ? inflateRawSync(payloadZ).toString('utf8') : payload;
  return { ...item, events: JSON.parse(json) as BillingEvent[] } satisfies OutboxItem;
}

/** One element of a caller's `TransactWriteCommand` `TransactItems`. */
export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * DynamoDB refuses items over 400 KB. The outbox item must also leave room for what the relay
 * adds later: one ~40-byte entry per event in `published`, plus claim bookkeeping. The JSON
 * length used to estimate the item's size is close to DynamoDB's own count (attribute names +
 * values) but not identical, hence the 10% margin.
 */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;
export const OUTBOX_ITEM_BUDGET_BYTES = Math.floor(DYNAMODB_ITEM_LIMIT_BYTES * 0.9);
export const PUBLISHED_BYTES_PER_EVENT = 40;
export const BOOKKEEPING_BYTES = 2 * 1024;

export function estimatedOutboxItemBytes({ payload, ...item }: StoredOutboxItem): number {
  return (
    Buffer.byteLength(payload, 'utf8') +
    Buffer.byteLength(JSON.stringify(item), 'utf8') +
    item.eventCount * PUBLISHED_BYTES_PER_EVENT +
    BOOKKEEPING_BYTES
  );
}
