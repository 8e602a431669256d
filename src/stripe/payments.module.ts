import { STRIPE_CLIENT_TOKEN, StripeModule } from '@golevelup/nestjs-stripe';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Stripe from 'stripe';
import { ResilienceModule, ResiliencePolicies } from '../common/resilience';
import type { AppConfig } from '../config/configuration';
import { NoopPaymentGateway } from './noop-payment-gateway';
import { PaymentGateway } from './payment-gateway';
import { stripeClientConfig } from './stripe-client.config';
import { removeLibraryWebhookRoute } from './library-webhook-route';
import { StripePaymentGateway } from './stripe-payment-gateway';
// The module's configuration: defined on import, validated at start with every other fragment.
import './stripe.config';

// Before Nest scans the module graph, so the library's controller is never registered.
removeLibraryWebhookRoute();

/**
 * Provides the `PaymentGateway` port: Stripe when STRIPE_SECRET_KEY is set, otherwise a gateway
 * whose `enabled` is false. Only the port is exported; the raw Stripe client stays in here.
 */
@Module({
  imports: [
    ResilienceModule,
    StripeModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        stripeClientConfig(config.get('stripe', { infer: true })),
    }),
  ],
  providers: [
    {
      provide: PaymentGateway,
      inject: [ConfigService, STRIPE_CLIENT_TOKEN, ResiliencePolicies],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        client: Stripe,
        policies: ResiliencePolicies,
      ): PaymentGateway =>
        config.get('stripe.enabled', { infer: true })
          ? new StripePaymentGateway(client, policies)
          : new NoopPaymentGateway(),
    },
  ],
  exports: [PaymentGateway],
})
export class PaymentsModule {}
