import { randomBytes } from 'node:crypto';
import { invalidRequest, noSuch } from './errors';
import { int, str } from './params';
import type { Params, StripeObject } from './types';

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

/** Who caused a change; copied into `event.request` like Stripe does. */
export interface RequestInfo {
  requestId: string;
  idempotencyKey?: string;
}

export class Store {
  readonly customers = new Map<string, StripeObject>();
  readonly invoiceItems = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  readonly creditNotes = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  /** Charges of invoices paid through Stripe (not out of band): what refunds go back to. */
  readonly charges = new Map<string, StripeObject>();
  /** Invoice id → the charge that paid it. */
  readonly chargeOfInvoice = new Map<string, string>();
  /** The status refunds are created with: card refunds in test mode succeed at once. */
  refundStatus: 'succeeded' | 'pending' = 'succeeded';
  /** Oldest first; the public `events` array is this very array so tests see live updates. */
  readonly events: StripeObject[] = [];

  constructor(
    readonly apiVersion: string,
    private readonly clock: () => number,
  ) {}

  now(): number {
    return this.clock();
  }

  /** Snapshots the object so later mutations don't rewrite history, as with real events. */
  emit(
    type: string,
    object: StripeObject,
    request: RequestInfo,
    previousAttributes?: Record<string, unknown>,
  ): void {
    const data: Record<string, unknown> = { object: structuredClone(object) };
    if (previousAttributes) data.previous_attributes = structuredClone(previousAttributes);
    this.events.push({
      id: randomId('evt_'),
      object: 'event',
      api_version: this.apiVersion,
      created: this.now(),
      data,
      livemode: false,
      pending_webhooks: 1,
      request: { id: request.requestId, idempotency_key: request.idempotencyKey ?? null },
      type,
    });
  }

  /** Resolves any id the fake issues, for `expand`. */
  lookup(id: string): StripeObject {
    if (id.startsWith('cus_')) return this.customers.get(id);
    if (id.startsWith('ii_')) return this.invoiceItems.get(id);
    if (id.startsWith('in_')) return this.invoices.get(id);
    if (id.startsWith('cn_')) return this.creditNotes.get(id);
    if (id.startsWith('re_')) return this.refunds.get(id);
    if (id.startsWith('ch_')) return this.charges.get(id);
    return undefined;
  }

  reset(): void {
    this.customers.clear();
    this.invoiceItems.clear();
    this.invoices.clear();
    this.creditNotes.clear();
    this.refunds.clear();
    this.charges.clear();
    this.chargeOfInvoice.clear();
    this.refundStatus = 'succeeded';
    this.events.length = 0;
  }
}

/** Current value of `obj[keys]` for `previous_attributes` in `*.updated` events. */
export function pick(obj: StripeObject, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = structuredClone(obj[k]);
  return out;
}

/**
 * Stripe list semantics: newest first, `limit` 1..100 (default 10), cursor
 * pagination via `starting_after` / `ending_before` object ids.
 */
export function paginate(url: string, newestFirst: StripeObject[], query: Params): StripeObject {
  const limit = int(query, 'limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = str(query, 'starting_after');
  const endingBefore = str(query, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidRequest(
      'You may only specify one of these parameters: ending_before, starting_after.',
    );
  }
  const indexOf = (id: string, param: string) => {
    const idx = newestFirst.findIndex((o: StripeObject) => o.id === id);
    if (idx === -1) throw noSuch('object', id, param, 400);
    return idx;
  };
  let data: StripeObject[];
  let hasMore: boolean;
  if (endingBefore) {
    const end = indexOf(endingBefore, 'ending_before');
    const start = Math.max(0, end - limit);
    data = newestFirst.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = startingAfter ? indexOf(startingAfter, 'starting_after') + 1 : 0;
    data = newestFirst.slice(start, start + limit);
    hasMore = start + limit < newestFirst.length;
  }
  return { object: 'list', data, has_more: hasMore, url };
}

function cannotExpand(path: string) {
  return invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

function expandAt(store: Store, node: unknown, segments: string[], path: string): unknown {
  if (Array.isArray(node)) return node.map((n) => expandAt(store, n, segments, path));
  if (typeof node === 'string') {
    const target = store.lookup(node);
    if (!target) throw cannotExpand(path);
    node = structuredClone(target);
  }
  if (segments.length === 0 || node === null) return node;
  if (typeof node !== 'object') throw cannotExpand(path);
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = segments;
  if (!(head in obj)) throw cannotExpand(path);
  const child = obj[head];
  // Only id strings (or objects/lists reached on the way to one) can be expanded.
  if (rest.length === 0 && typeof child !== 'string' && child !== null) {
    if (typeof child === 'object' && !Array.isArray(child)) return obj;
    throw cannotExpand(path);
  }
  obj[head] = expandAt(store, child, rest, path);
  return obj;
}

/** Deep-copies `object` for the wire and applies `expand[]` paths like `customer`, `data.invoice`. */
export function render(store: Store, object: StripeObject, expand: string[]): StripeObject {
  let out: unknown = structuredClone(object);
  for (const path of expand) {
    if (path.split('.').length > 4) {
      throw invalidRequest(`You cannot expand more than 4 levels of a property (${path}).`);
    }
    out = expandAt(store, out, path.split('.'), path);
  }
  return out;
}
