import Stripe from 'stripe';
import type { FakeStripe } from './types';

/** The API version stripe@20.4.1 pins; the fake stamps the same one on its events. */
export const PINNED_API_VERSION = '2026-02-25.clover' as const;

/** A real SDK client aimed at the fake, configured the way the app configures it. */
export function sdkFor(fake: FakeStripe, maxNetworkRetries = 0, extra: Stripe.StripeConfig = {}) {
  return new Stripe('sk_test_123', {
    apiVersion: PINNED_API_VERSION,
    host: fake.host,
    port: fake.port,
    protocol: fake.protocol,
    maxNetworkRetries,
    telemetry: false,
    ...extra,
  });
}
