import { randomInt, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { IdGenerator } from '../common/ids';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import type { BillingEventMap, BillingEventOf } from './billing-event-map';
import {
  BILLING_EVENT_TYPES,
  type BillingEvent,
  type BillingEventType,
  MAX_PUT_EVENTS_BYTES,
  eventEntrySize,
} from './billing-event.model';
import { EventTooLarge, OutboxBatchTooLarge } from './events.errors';
import {
  OUTBOX_ITEM_BUDGET_BYTES,
  OUTBOX_ITEM_TYPE,
  type StoredOutboxItem,
  type TransactWriteItem,
  estimatedOutboxItemBytes,
} from './outbox.model';
import { OutboxRepository } from './outbox.repository';
import { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';

const KNOWN_TYPES = new Set<string>(BILLING_EVENT_TYPES);

/** The relay running in this process, as `OutboxWriter.ownedEntryFor` needs it. */
export interface OwnedItemDeliverer {
  readonly instanceId: string;
  readonly leaseMs: number;
  /** Delivers an item this instance wrote already claimed, after its transaction committed. */
  deliver(item: StoredOutboxItem): void;
}

/**
 * Stores events in the outbox, in the same DynamoDB transaction as the change that causes
 * them, so an event exists exactly when its change committed. The relay publishes them later.
 *
 * ```ts
 * const events = [this.outbox.event('billing.invoice.created', { invoiceId }, { customerId })];
 * const outboxPut = this.outbox.entryFor(events);
 * await db.doc.send(new TransactWriteCommand({
 *   TransactItems: [invoicePut, ...(outboxPut ? [outboxPut] : [])],
 * }));
 * ```
 *
 * Size: one call's events go into ONE outbox item, which must stay under DynamoDB's 400 KB item
 * limit with room for the relay's bookkeeping (`OUTBOX_ITEM_BUDGET_BYTES`, about 360 KB of
 * event JSON; ~100 usage events take ~40 KB). Over the limit the call throws
 * `OutboxBatchTooLarge` and the caller must split its change; nothing is split here, because
 * splitting would need a second outbox item and so a bigger transaction than the caller planned.
 */
@Injectable()
export class OutboxWriter {
  readonly enabled: boolean;
  private readonly storedListeners: (() => void)[] = [];
  private deliverer?: OwnedItemDeliverer;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly subscriptions: BillingEventSubscriptions,
    config: ConfigService<AppConfig, true>,
  ) {
    this.enabled = config.get('events', { infer: true }).publishingEnabled;
  }

  /** Called whenever events are handed out for storing (the relay polls sooner then). */
  onStored(listener: () => void): void {
    this.storedListeners.push(listener);
  }

  /**
   * A new event with a fresh eventId; `occurredAt` defaults to now (the injected clock). `data`
   * is typed by the event type (BillingEventMap).
   */
  event<T extends BillingEventType>(
    type: T,
    data: BillingEventMap[T],
    options: { customerId?: string; occurredAt?: string | Date } = {},
  ): BillingEventOf<T> {
    const occurredAt = new Date(options.occurredAt ?? this.clock.now()).toISOString();
    const event = {
      eventId: this.ids.next(),
      type,
      occurredAt,
      customerId: options.customerId,
      data,
    };
    return event as BillingEventOf<T>;
  }

  /**
   * The outbox Put to add to the caller's TransactItems (it counts as one of the 100 actions
   * a transaction may hold). Undefined when there is nothing to store: no events, or publishing
   * is disabled (BILLING_ENABLE_EVENT_PUBLISHING=false) and no in-process subscriber wants them.
   */
  entryFor(events: readonly BillingEvent[]): TransactWriteItem | undefined {
    const item = this.newItem(events);
    return item && this.repository.insertInTransaction(item);
  }

  /**
   * Like `entryFor`, for a caller that says when its transaction committed (`committed()`): the
   * item is written already claimed by this instance's relay, which delivers it at once when told,
   * saving the claim write and the wait for the next poll. A transaction that fails leaves
   * nothing; a crash before `committed()` leaves the claim to expire (the relay's lease), after
   * which any relay delivers the item. Where no relay runs in this process (Lambda: the stream
   * delivers), this is `entryFor` with a `committed()` that does nothing.
   */
  ownedEntryFor(
    events: readonly BillingEvent[],
  ): { put: TransactWriteItem; committed(): void } | undefined {
    const item = this.newItem(events);
    if (!item) return undefined;
    const here = this.deliverer;
    if (!here) return { put: this.repository.insertInTransaction(item), committed: () => {} };
    const claimed = { ...item, claimedBy: here.instanceId, claimUntil: Date.now() + here.leaseMs };
    return {
      put: this.repository.insertInTransaction(claimed),
      committed: () => here.deliver(claimed),
    };
  }

  /**
   * The relay of this process takes the items of `ownedEntryFor` (it registers while it runs);
   * undefined stops that.
   */
  deliverHere(deliverer: OwnedItemDeliverer | undefined): void {
    this.deliverer = deliverer;
  }

  /** For changes that have no transaction of their own: stores the events on their own. */
  async write(events: readonly BillingEvent[]): Promise<void> {
    const item = this.newItem(events);
    if (item) await this.repository.insert(item);
  }

  private newItem(all: readonly BillingEvent[]): StoredOutboxItem | undefined {
    // With publishing off, only what a subscriber wants is stored.
    const events = this.enabled ? all : all.filter((e) => this.subscriptions.wants(e.type));
    if (events.length === 0) return undefined;
    const ids = new Set(events.map((e) => e.eventId));
    if (ids.size !== events.length) {
      throw new Error('OutboxWriter: the same eventId appears twice in one batch');
    }
    // The stored payload is the events' JSON, so what is stored is exactly what will be sent
    // (a Date in `data` becomes its ISO string; undefined fields vanish).
    const payload = `[${events.map((e) => this.checked(e)).join(',')}]`;
    // Outbox timestamps and ids are the relay's bookkeeping (ordering, leases, backlog age), so
    // they use real time and random ids even when a test freezes the business clock or ids.
    const createdAt = new Date().toISOString();
    const id = randomUUID();
    const shard = randomInt(OutboxRepository.SHARDS);
    const item: StoredOutboxItem = {
      ...OutboxRepository.itemKey(shard, createdAt, id),
      type: OUTBOX_ITEM_TYPE,
      id,
      shard,
      createdAt,
      payload,
      eventCount: events.length,
      attempts: 0,
    };
    const bytes = estimatedOutboxItemBytes(item);
    if (bytes > OUTBOX_ITEM_BUDGET_BYTES) {
      throw new OutboxBatchTooLarge(events.length, bytes, OUTBOX_ITEM_BUDGET_BYTES);
    }
    for (const listener of this.storedListeners) listener();
    return item;
  }

  /** The event's JSON, after refusing what could never be published. */
  private checked(event: BillingEvent): string {
    if (!KNOWN_TYPES.has(event.type)) throw new Error(`Unknown billing event type ${event.type}`);
    if (!event.eventId) throw new Error('A billing event needs an eventId');
    if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
      throw new Error(`Billing event ${event.eventId} needs a data object`);
    }
    if (Number.isNaN(Date.parse(event.occurredAt))) {
      throw new Error(`Billing event ${event.eventId} has an invalid occurredAt`);
    }
    const json = JSON.stringify(event);
    // An entry is about as big as the event's JSON (plus source and type); only one near the
    // limit is worth measuring exactly.
    if (Buffer.byteLength(json, 'utf8') + ENTRY_OVERHEAD_BYTES > MAX_PUT_EVENTS_BYTES) {
      const size = eventEntrySize(JSON.parse(json) as BillingEvent);
      if (size > MAX_PUT_EVENTS_BYTES)
        throw new EventTooLarge(event.eventId, size, MAX_PUT_EVENTS_BYTES);
    }
    return json;
  }
}

/** Generous bound on what a PutEvents entry adds to the event's JSON (Time, Source, DetailType). */
const ENTRY_OVERHEAD_BYTES = 1024;
