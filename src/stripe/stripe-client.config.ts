import type { StripeModuleConfig } from '@golevelup/nestjs-stripe';
import type { AppConfig } from '../config/configuration';

/**
 * Pinned explicitly (not left to the library's default) so that upgrading
 * `@golevelup/nestjs-stripe` or `stripe` can never silently change the API shapes we rely on.
 * It is the version stripe@20.4.1 is typed against.
 */
export const STRIPE_API_VERSION = '2026-02-25.clover' as const;

/** Per-attempt budget, shared by the SDK's socket timeout and the 'stripe' resilience policy. */
export const STRIPE_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Stands in for the key when Stripe is off: the client is still constructed (the module graph is
 * static) but the Noop gateway is used, so no request is ever made with it.
 */
const DISABLED_KEY = 'sk_disabled_stripe_is_not_configured';

export function stripeClientConfig(stripe: AppConfig['stripe']): StripeModuleConfig {
  return {
    apiKey: stripe.secretKey ?? DISABLED_KEY,
    apiVersion: STRIPE_API_VERSION,
    // Our 'stripe' policy does the retrying (backoff + jitter, shared breaker, explicit keys). Two
    // SDK quirks make the explicit idempotency keys essential:
    //  - even with 0 retries the SDK re-sends a request ONCE when the socket is reset (ECONNRESET
    //    or EPIPE), for POSTs too, so a write whose response was lost is silently sent twice;
    //  - the SDK only invents its own idempotency key when maxNetworkRetries > 0.
    // Every write of ours therefore carries a key derived from our ids (see idempotency-keys.ts),
    // which makes both that hidden re-send and our own retries replay instead of duplicate.
    maxNetworkRetries: 0,
    timeout: STRIPE_ATTEMPT_TIMEOUT_MS,
    appInfo: { name: 'usage-billing' },
    ...(stripe.host ? { host: stripe.host } : {}),
    ...(stripe.port ? { port: stripe.port } : {}),
    ...(stripe.protocol ? { protocol: stripe.protocol } : {}),
  };
}
