import { canonicalize } from './form';
import { StripeHttpError, invalidRequest } from './errors';
import type { Params } from './types';

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  endpoint: string;
  params: string;
  response: StoredResponse;
}

export type IdempotencyDecision =
  | { kind: 'execute' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'reject'; error: StripeHttpError };

const MAX_KEY_LENGTH = 255;

function idempotencyError(message: string) {
  return new StripeHttpError(400, { type: 'idempotency_error', message });
}

/**
 * Stripe's idempotency layer for POSTs: the first response for a key is kept
 * and replayed verbatim; reusing the key with other params or on another
 * endpoint is an `idempotency_error`. Only successful results are kept
 * (see StripeHttpError for why errors are not), and keys never expire here.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  decide(key: string, method: string, path: string, params: Params): IdempotencyDecision {
    if (key.length > MAX_KEY_LENGTH) {
      const error = invalidRequest(
        `Invalid idempotency key: must be at most ${MAX_KEY_LENGTH} characters long.`,
        { param: 'Idempotency-Key' },
      );
      return { kind: 'reject', error };
    }
    const entry = this.entries.get(key);
    if (!entry) return { kind: 'execute' };
    const endpoint = `${method} ${path}`;
    if (entry.endpoint !== endpoint) {
      const error = idempotencyError(
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
      return { kind: 'reject', error };
    }
    if (entry.params !== canonicalize(params)) {
      const error = idempotencyError(
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
      return { kind: 'reject', error };
    }
    return { kind: 'replay', response: entry.response };
  }

  save(key: string, method: string, path: string, params: Params, response: StoredResponse) {
    this.entries.set(key, {
      endpoint: `${method} ${path}`,
      params: canonicalize(params),
      response,
    });
  }

  clear(): void {
    this.entries.clear();
  }
}
