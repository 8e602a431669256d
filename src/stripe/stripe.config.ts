import { z } from 'zod';
import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { int, optionalString } from '../config/env-vars';

/** Stripe: on when a secret key is set; host/port/protocol point the SDK elsewhere (tests). */
export const stripeConfig = defineConfig(
  'stripe',
  {
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    STRIPE_API_HOST: optionalString,
    STRIPE_API_PORT: int(0, 0, 65535),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  },
  (e) => ({
    secretKey: e.STRIPE_SECRET_KEY,
    webhookSecret: e.STRIPE_WEBHOOK_SECRET,
    host: e.STRIPE_API_HOST,
    port: e.STRIPE_API_PORT || undefined,
    protocol: e.STRIPE_API_PROTOCOL,
    enabled: Boolean(e.STRIPE_SECRET_KEY),
  }),
  {
    check: (stripe, { isProduction }, problems) => {
      if (isProduction && stripe.secretKey && !stripe.webhookSecret) {
        problems.push(
          'STRIPE_WEBHOOK_SECRET: required in production when STRIPE_SECRET_KEY is set',
        );
      }
    },
    secrets: (stripe) => [stripe.secretKey, stripe.webhookSecret],
  },
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    stripe: ConfigOf<typeof stripeConfig>;
  }
}
