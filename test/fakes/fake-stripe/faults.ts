import type { StripeErrorBody } from './errors';
import type { FaultControls } from './types';

export interface InjectedFailure {
  status: 500 | 429 | 503;
  shouldRetry?: boolean;
}

export function failureBody(status: InjectedFailure['status']): StripeErrorBody {
  if (status === 429) {
    // Real Stripe labels rate limits as invalid_request_error + code rate_limit;
    // the SDK picks StripeRateLimitError from the 429 status alone.
    return {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded (injected by fake-stripe).',
      doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    };
  }
  return {
    type: 'api_error',
    message:
      status === 503
        ? 'The Stripe API is temporarily unavailable (injected by fake-stripe).'
        : 'An unknown error occurred (injected by fake-stripe).',
  };
}

export class Faults implements FaultControls {
  private failures: InjectedFailure[] = [];
  private drops = 0;
  latencyMs = 0;

  failNext(n: number, status: 500 | 429 | 503 = 500, opts: { shouldRetry?: boolean } = {}) {
    for (let i = 0; i < n; i++) this.failures.push({ status, shouldRetry: opts.shouldRetry });
  }

  /** Sets (does not accumulate) the delay; `addLatency(0)` turns it off. */
  addLatency(ms: number): void {
    this.latencyMs = ms;
  }

  dropResponseAfterCommit(n: number): void {
    this.drops += n;
  }

  takeFailure(): InjectedFailure | undefined {
    return this.failures.shift();
  }

  takeDrop(): boolean {
    if (this.drops === 0) return false;
    this.drops -= 1;
    return true;
  }

  reset(): void {
    this.failures = [];
    this.drops = 0;
    this.latencyMs = 0;
  }
}
