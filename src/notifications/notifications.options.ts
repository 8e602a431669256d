/**
 * Tuning of notification delivery. Not environment variables: the defaults suit production, and
 * tests replace the whole object
 * (`overrideProvider(NotificationsOptions).useValue(new NotificationsOptions({ retryInitialMs: 20 }))`).
 */
export class NotificationsOptions {
  /**
   * Backoff between attempts at an event some receiver has not accepted yet: exponential with
   * jitter from `retryInitialMs` up to `retryMaxMs`, then every `retryMaxMs` or so, forever.
   * An hour-long outage costs a receiver about a dozen calls per waiting event.
   */
  retryInitialMs = 1_000;
  retryMaxMs = 300_000;
  /** How long a delivery record is kept (DynamoDB TTL); redeliveries come within minutes. */
  deliveryRecordDays = 90;

  constructor(overrides: Partial<NotificationsOptions> = {}) {
    Object.assign(this, overrides);
  }
}
