/**
 * A chunk's transaction holds two items per customer (invoice, audit record) and its outbox
 * item(s); DynamoDB allows 100.
 */
export const MAX_CHUNK_SIZE = 45;

/**
 * Tuning of billing runs. Not environment variables: the defaults suit production, and tests
 * replace the whole object (`[BillingRunOptions, new BillingRunOptions({ leaseMs: 500 })]`).
 */
export class BillingRunOptions {
  /**
   * Customers billed at the same time by one pass: chunks of `chunkSize` (smaller when this is
   * smaller), as many chunks in flight as make up this number.
   */
  concurrency = 100;
  /**
   * Customers billed together: one batch read of their invoices, one batch write closing their
   * usage periods, one block of invoice numbers and one transaction writing the invoices. At
   * most MAX_CHUNK_SIZE (what one transaction holds).
   */
  chunkSize = 25;
  /**
   * Work that still goes one customer at a time runs at most this many customers at once per
   * pass: Stripe pushes (Stripe's rate limits), and the per-customer path for drafts left by an
   * earlier pass or a chunk that lost a race.
   */
  perCustomerConcurrency = 16;
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

/** How a pass cuts its customers: chunk size (within what a transaction holds) and chunks at once. */
export function chunking(options: BillingRunOptions): { size: number; inFlight: number } {
  const size = Math.max(1, Math.min(options.chunkSize, options.concurrency, MAX_CHUNK_SIZE));
  return { size, inFlight: Math.max(1, Math.ceil(options.concurrency / size)) };
}
