import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One event as its day's page holds it: what a partial-day read needs, nothing more. */
export interface PagedEvent {
  eventId: string;
  /** ISO-8601 UTC with milliseconds, inside the page's day. */
  timestamp: string;
  endpoint: string;
  /** Decimal string, as recorded at ingest (corrections are applied by the reader). */
  quantity: string;
}

/** The page's events as stored: JSON text, or deflated into `eventsZ` when long. */
export interface StoredEventPage {
  events?: string;
  eventsZ?: Uint8Array;
}

/**
 * Pages longer than this are written deflated (`eventsZ`, binary): a write costs one unit per
 * started KB, and a batch's entries (similar ids, few endpoints) shrink several times. Shorter
 * ones stay text: a write costs at least one unit anyway.
 */
export const PAGE_DEFLATE_ABOVE_BYTES = 1024;

/** Stored as `[endpoints, entries]`, each entry `[eventId, ms since 00:00 UTC, endpoint index, quantity]`. */
type Encoded = [string[], [string, number, number, string][]];

const dayStart = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/**
 * The attributes holding one page's events, compactly: each endpoint once, each timestamp as the
 * milliseconds since the start of the page's UTC day, quantities as exact decimal strings. A page
 * holds at most one transaction's events (under 100) of at most 128-character ids and 255-
 * character endpoints: far below DynamoDB's 400 KB item limit even uncompressed.
 */
export function toPageAttributes(day: string, events: readonly PagedEvent[]): StoredEventPage {
  const start = dayStart(day);
  const endpoints: string[] = [];
  const index = new Map<string, number>();
  const entries = events.map((e): Encoded[1][number] => {
    let i = index.get(e.endpoint);
    if (i === undefined) {
      i = endpoints.push(e.endpoint) - 1;
      index.set(e.endpoint, i);
    }
    return [e.eventId, Date.parse(e.timestamp) - start, i, e.quantity];
  });
  const json = JSON.stringify([endpoints, entries] satisfies Encoded);
  if (Buffer.byteLength(json, 'utf8') <= PAGE_DEFLATE_ABOVE_BYTES) return { events: json };
  return { eventsZ: deflateRawSync(json, { level: 3 }) };
}

/** A page's events as `toPageAttributes` stored them. */
export function fromPageAttributes(day: string, stored: StoredEventPage): PagedEvent[] {
  const json = stored.eventsZ
    ? inflateRawSync(stored.eventsZ).toString('utf8')
    : (stored.events ?? '[[],[]]');
  const [endpoints, entries] = JSON.parse(json) as Encoded;
  const start = dayStart(day);
  return entries.map(([eventId, ms, i, quantity]) => ({
    eventId,
    timestamp: new Date(start + ms).toISOString(),
    endpoint: endpoints[i],
    quantity,
  }));
}
