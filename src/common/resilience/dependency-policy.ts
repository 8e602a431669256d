import {
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { DependencyUnavailable } from './dependency-errors';
import type { BreakerState, DependencyName, ResilienceOptions } from './resilience.options';

export type CallOutcome =
  /** The dependency answered successfully. */
  | 'success'
  /** The dependency answered with an error retrying cannot fix (e.g. a 400): the caller's problem. */
  | 'rejected'
  /** Every attempt failed with a dependency failure. */
  | 'unavailable'
  /** The breaker was open; nothing was sent. */
  | 'short_circuited';

/** What the registry wants to hear about, so this class stays free of metrics and logging. */
export interface PolicyObserver {
  outcome(dependency: string, outcome: CallOutcome): void;
  retry(dependency: string, attempt: number, delayMs: number, error: unknown): void;
  stateChange(dependency: string, state: BreakerState): void;
}

export interface BreakerSnapshot {
  state: BreakerState;
  /** When the breaker last opened (ISO-8601), while it is open. */
  openedAt?: string;
  /** Seconds until a trial call is let through, while it is open. */
  retryInSeconds?: number;
}

/** Seconds a caller should wait when the dependency failed but the breaker is still closed. */
const RETRY_AFTER_WHEN_CLOSED_SECONDS = 5;

function stateName(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open'; // Open and Isolated look the same from outside
}

/**
 * Timeout (per attempt) inside a circuit breaker inside a retry, for ONE dependency. The breaker
 * is the only state, and there is exactly one per dependency: every caller of Stripe shares the
 * 'stripe' breaker, so a Stripe outage seen by the invoice push also protects the customer sync
 * (the library we replace keyed breakers by function name, so one outage tripped nothing useful).
 *
 * Only transient errors (per `options.isTransient`, plus timeouts) are retried and counted by the
 * breaker; an answer like "invalid request" goes straight back to the caller and leaves the breaker
 * alone, because the dependency is healthy. Failures end as `DependencyUnavailable` (503).
 */
export class DependencyPolicy {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly pipeline: ReturnType<typeof this.compose>;
  private openedAt: number | undefined;

  constructor(
    readonly name: DependencyName,
    readonly options: Readonly<ResilienceOptions>,
    private readonly observer: PolicyObserver,
  ) {
    const transient = handleWhen((error) => this.isTransient(error));
    this.breaker = circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.pipeline = this.compose();
    this.breaker.onBreak(() => (this.openedAt = Date.now()));
    this.breaker.onReset(() => (this.openedAt = undefined));
    this.breaker.onStateChange((s) => observer.stateChange(name, stateName(s)));
  }

  get state(): BreakerState {
    return stateName(this.breaker.state);
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    if (state !== 'open' || this.openedAt === undefined) return { state };
    return {
      state,
      openedAt: new Date(this.openedAt).toISOString(),
      retryInSeconds: this.secondsUntilHalfOpen(),
    };
  }

  /**
   * Runs `fn` under the policy. `fn` receives the attempt's abort signal (aborted on timeout) for
   * clients that can cancel; every attempt must be safe to repeat — for writes that means the
   * SAME idempotency key on every attempt.
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      const result = await this.pipeline.execute(({ signal }) => fn(signal));
      this.observer.outcome(this.name, 'success');
      return result;
    } catch (error) {
      throw this.translate(error);
    }
  }

  private compose() {
    const transient = handleWhen((error) => this.isTransient(error));
    const retries = retry(transient, {
      maxAttempts: Math.max(0, this.options.attempts - 1),
      // The default generator is decorrelated jitter: exponential growth without synchronized
      // retry waves from many callers.
      backoff: new ExponentialBackoff({
        initialDelay: this.options.baseDelayMs,
        maxDelay: this.options.maxDelayMs,
      }),
    });
    retries.onRetry((event) => {
      const error = 'error' in event ? event.error : undefined;
      this.observer.retry(this.name, event.attempt, event.delay, error);
    });
    // Aggressive: give up on the attempt at the deadline even if the client ignores the signal.
    const perAttempt = timeout(this.options.timeoutMs, TimeoutStrategy.Aggressive);
    return wrap(retries, this.breaker, perAttempt);
  }

  private isTransient(error: unknown): boolean {
    return error instanceof TaskCancelledError || this.options.isTransient(error);
  }

  private translate(error: unknown): unknown {
    if (isBrokenCircuitError(error)) {
      this.observer.outcome(this.name, 'short_circuited');
      return new DependencyUnavailable(
        this.name,
        'circuit_open',
        this.secondsUntilHalfOpen(),
        this.breaker.lastFailure && 'error' in this.breaker.lastFailure
          ? this.breaker.lastFailure.error
          : undefined,
      );
    }
    if (this.isTransient(error)) {
      this.observer.outcome(this.name, 'unavailable');
      const reason = error instanceof TaskCancelledError ? 'timeout' : 'retries_exhausted';
      const retryAfter =
        this.state === 'open' ? this.secondsUntilHalfOpen() : RETRY_AFTER_WHEN_CLOSED_SECONDS;
      return new DependencyUnavailable(this.name, reason, retryAfter, error);
    }
    this.observer.outcome(this.name, 'rejected');
    return error;
  }

  private secondsUntilHalfOpen(): number {
    const elapsed = this.openedAt === undefined ? 0 : Date.now() - this.openedAt;
    return Math.max(1, Math.ceil((this.options.halfOpenAfterMs - elapsed) / 1000));
  }
}
