import type { BillingEventOf, BillingEventType } from '../billing-event-map';

/** The events of the types `T`, with `data` typed per type (`switch (event.type)` narrows it). */
export type BillingEventFor<T extends BillingEventType> = BillingEventOf<T>;

/**
 * A durable, typed subscription to billing events. Extend it in your module and list the class
 * among the module's providers; the events module finds it at start-up:
 *
 * ```ts
 * @Injectable()
 * export class InvoiceMailer extends BillingEventSubscriber<'billing.invoice.finalized'> {
 *   readonly name = 'invoice-mailer';
 *   readonly eventTypes = ['billing.invoice.finalized'] as const;
 *   async handle(event: BillingEventFor<'billing.invoice.finalized'>) {
 *     await this.mailer.send(event.customerId, event.data.number);
 *   }
 * }
 * ```
 *
 * Guarantees: every event of the listed types that commits is handed to `handle` AT LEAST ONCE,
 * after the change that caused it committed, even across crashes and restarts (the outbox is the
 * source; each subscriber has its own queue in the table). Across several instances an event is
 * handled by one instance at a time. A handler that throws is retried with backoff, forever,
 * without holding up ingest, EventBridge publishing or any other subscriber; its lag and failures
 * show on `/metrics` (`subscriber_*{subscriber="…"}`) and in `/health/ready`.
 *
 * So: make `handle` idempotent by `event.eventId` (a crash after it succeeded and before its
 * success was recorded delivers the event again), and let it throw to be retried.
 */
export abstract class BillingEventSubscriber<T extends BillingEventType = BillingEventType> {
  /**
   * Stable name: it keys the subscriber's queue in the table and labels its metrics. Lower-case
   * letters, digits and dashes. Renaming it starts an empty queue (events waiting under the old
   * name stay there).
   */
  abstract readonly name: string;
  /** The event types delivered to `handle`. */
  abstract readonly eventTypes: readonly T[];
  /** Handles one event; throw to have it retried later. */
  abstract handle(event: BillingEventFor<T>): Promise<void>;
  /**
   * Optional: handles the events that committed together (one transaction's, e.g. a usage
   * batch; up to 100, in order) in one call instead of one `handle` each, for a subscriber that
   * can do the work once for many (evaluate a customer once after all its events). Throwing
   * retries all of them; the same guarantees as `handle` otherwise.
   */
  handleBatch?(events: BillingEventFor<T>[]): Promise<void>;
  /**
   * Optional: which of these events (of the listed types, committed together) the subscriber
   * needs, asked when they are copied into its queue; the others are never queued, which saves
   * the queue's writes. Leave out only what `handle` would ignore, judged on state read
   * consistently here, and have whatever changes that state catch up with what committed before.
   * Throwing retries the copy later, like any outbox failure. For interest per customer, `watch`
   * is cheaper.
   */
  wanted?(events: BillingEventFor<T>[]): Promise<BillingEventFor<T>[]>;
  /**
   * Optional: the subscriber handles the events of some customers only (those with alerts, with
   * billing thresholds), and one item per customer says which. When an outbox item is copied to
   * the queues, the watch items of ALL such subscribers for ALL the item's customers are read in
   * one strongly consistent batch read, and only the events of watched customers are queued;
   * events without a customer are not. Same rules as `wanted`: whatever makes a customer watched
   * writes its item in the same transaction and then catches up with what committed before (an
   * alert, once created, is evaluated at once).
   */
  readonly watch?: CustomerWatch;
  /** Backoff between retries of a failing event (defaults: the relay's, 200 ms up to 30 s). */
  readonly retry?: { initialMs?: number; maxMs?: number };
}

/** The table key of a watch item (the owning module's own key). */
export interface WatchKey {
  pk: string;
  sk: string;
}

/** See `BillingEventSubscriber.watch`. */
export interface CustomerWatch {
  /** The item whose state says whether the customer is watched (one per customer). */
  key(customerId: string): WatchKey;
  /**
   * Decides from the item as read (undefined when it does not exist). May read more, e.g. to
   * fill in an item that data from before it existed lacks, and throw to retry the copy later.
   */
  watched(
    customerId: string,
    item: Record<string, unknown> | undefined,
  ): boolean | Promise<boolean>;
}
