/**
 * Tuning of the outbox relay and the EventBridge client. Not environment variables: the
 * defaults suit production, and tests replace the whole object
 * (`overrideProvider(EventsOptions).useValue(new EventsOptions({ pollIntervalMs: 10 }))`).
 */
export class EventsOptions {
  /** Start the relay on application bootstrap (tests may drive it with `flush()` instead). */
  autoStart = true;
  /**
   * Pause between polls while events are flowing: the last poll published something, or this
   * instance stored events within the last second (the writer tells the relay). Events written
   * meanwhile wait at most this long, and a busy outbox is read in passes of many items.
   */
  pollIntervalMs = 250;
  /**
   * Pause between polls when nothing is flowing. Only events written by other instances (whose
   * own relay died) wait this long; each poll reads every shard, so this is the idle cost.
   */
  idlePollIntervalMs = 2_000;
  /** Outbox items claimed per shard per poll, so one busy shard cannot starve the others. */
  itemsPerShardPerPoll = 25;
  /**
   * How long a claim keeps other relays away from an item. It must outlast publishing one item
   * (≤ 100 events = 10 PutEvents calls); the relay renews it after every call.
   */
  leaseMs = 60_000;
  /** Backoff (exponential, decorrelated jitter) after EventBridge or DynamoDB errors. */
  retryInitialMs = 200;
  retryMaxMs = 30_000;
  /** Immediate re-sends of entries EventBridge rejected one by one, before the item waits. */
  maxEntryRetries = 3;
  /** Consecutive failed PutEvents calls that open the breaker, and how long it stays open. */
  breakerThreshold = 5;
  breakerHalfOpenAfterMs = 10_000;
  /** Per-call timeout of the EventBridge client. */
  requestTimeoutMs = 5_000;
  /** How long shutdown waits for pending events before leaving them to the next start. */
  shutdownFlushMs = 5_000;
  /** Outbox items read per shard when computing the backlog gauge (bounds a scrape's cost). */
  backlogScanLimit = 1_000;

  constructor(overrides: Partial<EventsOptions> = {}) {
    Object.assign(this, overrides);
  }
}
