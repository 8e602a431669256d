import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

import type { BillingEvent } from './billing-event-map';

// The vocabulary (types and payloads) lives in billing-event-map.ts; EventBridge routes on the
// type (`detail-type`).
export {
  BILLING_EVENT_TYPES,
  type BillingEvent,
  type BillingEventOf,
  type BillingEventType,
} from './billing-event-map';

export const EVENT_SOURCE = 'augint.billing';

/** EventBridge limits (PutEvents): entries per call, and bytes per call (also per entry). */
export const MAX_ENTRIES_PER_PUT_EVENTS = 10;
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/**
 * The `Detail` document. The envelope fields are written first (order of the contract) and
 * again after `data`, so a `data` key can never overwrite `eventId` or `type`.
 */
export function eventDetail(event: BillingEvent): Record<string, unknown> {
  const envelope = {
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    customerId: event.customerId ?? event.data.customerId,
  };
  return Object.assign({ ...envelope }, event.data, envelope);
}

export function toPutEventsEntry(event: BillingEvent, busName?: string): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(eventDetail(event)),
    EventBusName: busName,
    Time: new Date(event.occurredAt),
  };
}

/** Entry size as EventBridge counts it: Time (14 bytes) + Source + DetailType + Detail. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  for (const value of [entry.Source, entry.DetailType, entry.Detail]) {
    if (value) size += Buffer.byteLength(value, 'utf8');
  }
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

export function eventEntrySize(event: BillingEvent): number {
  return putEventsEntrySize(toPutEventsEntry(event));
}

/**
 * Splits events into PutEvents calls of at most 10 entries and 256 KiB each, keeping their
 * order. An event larger than a whole call is refused when it is written (OutboxWriter), so it
 * never reaches here; if it does, it travels alone and EventBridge reports it as a failed entry.
 */
export function batchesForPutEvents(events: readonly BillingEvent[]): BillingEvent[][] {
  const batches: BillingEvent[][] = [];
  let current: BillingEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = eventEntrySize(event);
    if (
      current.length > 0 &&
      (current.length >= MAX_ENTRIES_PER_PUT_EVENTS || bytes + size > MAX_PUT_EVENTS_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
