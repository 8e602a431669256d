import Stripe from 'stripe';
import { DomainError } from '../common/errors/domain-error';
import { DependencyUnavailable, isTransientError } from '../common/resilience';

/**
 * Stripe answered "no" to something retrying cannot fix (invalid parameter, unknown customer,
 * wrong invoice state): 422 carrying Stripe's own message, never a 503 and never retried.
 */
export class PaymentProviderRejected extends DomainError {
  constructor(
    message: string,
    details: { stripeCode?: string; stripeType?: string; param?: string; requestId?: string },
  ) {
    super('STRIPE_REJECTED', 'unprocessable', `Stripe rejected the request: ${message}`, details);
  }
}

/**
 * The provider invoice we created earlier for this invoice no longer matches what we would push
 * (different or extra items). We stop instead of finalizing a wrong amount.
 */
export class ProviderInvoiceMismatch extends DomainError {
  constructor(invoiceId: string, providerInvoiceId: string, problems: string[]) {
    super(
      'STRIPE_INVOICE_MISMATCH',
      'conflict',
      `Stripe invoice ${providerInvoiceId} does not match invoice ${invoiceId}: ${problems.join('; ')}`,
      { invoiceId, providerInvoiceId, problems },
    );
  }
}

/** Programming error: callers must check `PaymentGateway.enabled` first. */
export class PaymentGatewayDisabledError extends Error {
  constructor(operation: string) {
    super(
      `PaymentGateway.${operation} called but Stripe is not configured (STRIPE_SECRET_KEY unset); check PaymentGateway.enabled first`,
    );
    this.name = 'PaymentGatewayDisabledError';
  }
}

function shouldRetryHeader(error: Stripe.errors.StripeError): string | undefined {
  const value = (error.headers as Record<string, unknown> | undefined)?.['stripe-should-retry'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Which Stripe errors are worth retrying (and count against the 'stripe' breaker): connection
 * failures, 409 (lock timeout / same key still in flight), 429 and 5xx — overridden by Stripe's
 * own `Stripe-Should-Retry` header when present. Never 400/402/404 (validation, card, unknown
 * object) and never an idempotency error (same key, different params): repeating those cannot
 * succeed. Note we retry 429 ourselves, where the SDK would only with `Stripe-Should-Retry: true`.
 */
export function isTransientStripeError(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return isTransientError(error);
  const header = shouldRetryHeader(error);
  if (header === 'false') return false;
  if (header === 'true') return true;
  if (error instanceof Stripe.errors.StripeConnectionError) return true;
  const status = error.statusCode;
  if (status === undefined) return false;
  return status === 409 || status === 429 || status >= 500;
}

const CREDENTIAL = /\b((?:sk|rk)_(?:test|live)_|whsec_)[A-Za-z0-9_]+|\b(Bearer\s+)\S+/gi;

/**
 * Stripe's message is passed on to our client (422), so whatever credential it quotes is masked
 * first, the way Stripe itself masks keys (`sk_test_****`): a proxy or a Stripe-compatible
 * server that echoes the request it refused must not hand our secret key to an API caller.
 */
export function maskCredentials(text: string): string {
  return text.replace(
    CREDENTIAL,
    (_, prefix?: string, bearer?: string) => `${prefix ?? bearer}****`,
  );
}

/**
 * Maps what escaped the resilience policy to our domain errors. `DependencyUnavailable` (already
 * mapped by the policy) passes through; Stripe errors that are not transient become
 * `PaymentProviderRejected`, except those that are Stripe's or our configuration's fault rather
 * than the request's (a 5xx marked "do not retry", bad API key): those are 503s.
 */
export function toPaymentError(error: unknown): unknown {
  if (error instanceof DomainError || !(error instanceof Stripe.errors.StripeError)) return error;
  const status = error.statusCode ?? 0;
  if (
    status >= 500 ||
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  ) {
    return new DependencyUnavailable('stripe', 'failed', 60, error);
  }
  return new PaymentProviderRejected(maskCredentials(error.message), {
    stripeType: error.rawType ?? error.type,
    ...(error.code ? { stripeCode: error.code } : {}),
    ...(error.param ? { param: maskCredentials(error.param) } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  });
}
