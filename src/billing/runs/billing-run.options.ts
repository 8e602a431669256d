/**
 * Tuning of billing runs. Not environment variables: the defaults suit production, and tests
 * replace the whole object (`[BillingRunOptions, new BillingRunOptions({ leaseMs: 500 })]`).
 */
export class BillingRunOptions {
  /** Customers billed at the same time by one pass (each is a dozen DynamoDB calls, or Stripe). */
  concurrency = 16;
  /** Customers read per listing page. */
  pageSize = 500;
  /**
   * How long a pass's lease keeps other instances from running the same period. A crashed
   * instance's run is resumed by another this long after its last renewal.
   */
  leaseMs = 60_000;
  /** How often a pass renews its lease and stores its counts (what GET shows while it runs). */
  checkpointIntervalMs = 2_000;
  /** Customer progress items written per BatchWriteItem (DynamoDB allows 25). */
  progressBatchSize = 25;
  /**
   * Every instance looks this often for runs that need it: a pass whose lease expired (its
   * instance died) is resumed; failures are retried after `retryFailuresAfterMs`. 0 turns it off.
   */
  sweepIntervalMs = 60_000;
  retryFailuresAfterMs = 15 * 60_000;
  /** Automatic passes stop here; a person can still start more (POST). */
  maxAutomaticPasses = 5;
  /** On shutdown, how long to wait for customers in progress before giving the lease back. */
  shutdownWaitMs = 10_000;

  constructor(overrides: Partial<BillingRunOptions> = {}) {
    Object.assign(this, overrides);
  }
}
