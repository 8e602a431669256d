import { DomainError } from '../errors/domain-error';

export type UnavailableReason =
  /** The breaker is open: the call was not even attempted. */
  | 'circuit_open'
  /** Every attempt failed with a dependency error (5xx, 429, network). */
  | 'retries_exhausted'
  /** Every attempt ran out of time. */
  | 'timeout'
  /** The dependency answered in a way retrying cannot fix but that is not the caller's fault. */
  | 'failed';

const DISPLAY_NAMES: Record<string, string> = { stripe: 'Stripe', eventbridge: 'EventBridge' };

/**
 * A dependency is down or refusing us: 503 with `Retry-After`, code `${NAME}_UNAVAILABLE`
 * (e.g. `STRIPE_UNAVAILABLE`). The original error is kept as `cause` for the logs only; the
 * response carries no dependency internals.
 */
export class DependencyUnavailable extends DomainError {
  constructor(
    readonly dependency: string,
    readonly reason: UnavailableReason,
    retryAfterSeconds: number,
    cause?: unknown,
  ) {
    const display = DISPLAY_NAMES[dependency] ?? dependency;
    super(
      `${dependency.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_UNAVAILABLE`,
      'unavailable',
      `${display} is unavailable; retry shortly`,
      { dependency, reason },
      retryAfterSeconds,
    );
    if (cause !== undefined) this.cause = cause;
  }
}
