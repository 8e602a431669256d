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
  /** Backoff between retries of a failing event (defaults: the relay's, 200 ms up to 30 s). */
  readonly retry?: { initialMs?: number; maxMs?: number };
}
