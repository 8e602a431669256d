/** Dependencies with a breaker of their own. Any other name works too; these are the known ones. */
export type DependencyName = 'stripe' | 'eventbridge' | (string & {});

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ResilienceOptions {
  /** Total tries per call, the first one included. */
  attempts: number;
  /** First backoff delay; later ones grow exponentially, with decorrelated jitter. */
  baseDelayMs: number;
  /** Cap on any single backoff delay. */
  maxDelayMs: number;
  /** Budget of ONE attempt (not of the whole call with its retries). */
  timeoutMs: number;
  /** Consecutive dependency failures (attempts, not calls) that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before one trial call is let through. */
  halfOpenAfterMs: number;
  /**
   * Whether an error means "the dependency is down or overloaded" (retry it, count it against the
   * breaker) rather than "the dependency answered no" (surface it as is). Per-attempt timeouts are
   * always transient, whatever this says.
   */
  isTransient: (error: unknown) => boolean;
}
