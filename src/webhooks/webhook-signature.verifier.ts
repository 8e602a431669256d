import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Stripe from 'stripe';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { type StripeEvent, parseStripeEvent } from './stripe-event';
import { InvalidWebhookSignature, WebhooksNotConfigured } from './webhook.errors';

/** Stripe's own default: a signature older than this is a replay, not a delivery. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface VerifiedDelivery {
  event: StripeEvent;
  /** The body exactly as signed. */
  payload: string;
}

/**
 * Checks `Stripe-Signature` over the raw body with the SDK's `constructEvent` (HMAC-SHA256 over
 * `<t>.<body>`, constant-time compare, 5-minute tolerance). The SDK's static helper needs no API
 * key, so verification works whenever a webhook secret is configured, with or without
 * STRIPE_SECRET_KEY. The tolerance is measured on the injected clock.
 */
@Injectable()
export class WebhookSignatureVerifier {
  private readonly secret: string | undefined;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly clock: Clock,
  ) {
    this.secret = config.get('stripe', { infer: true }).webhookSecret;
  }

  verify(rawBody: Buffer | undefined, signature: unknown): VerifiedDelivery {
    if (!this.secret) throw new WebhooksNotConfigured();
    if (!rawBody || rawBody.length === 0) {
      throw new InvalidWebhookSignature('no body (Stripe sends application/json)');
    }
    if (typeof signature !== 'string' || signature.length === 0) {
      throw new InvalidWebhookSignature('no Stripe-Signature header');
    }
    let parsed: unknown;
    try {
      parsed = Stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.secret,
        SIGNATURE_TOLERANCE_SECONDS,
        undefined,
        this.clock.now().getTime(),
      );
    } catch (error) {
      // The SDK's messages are long tutorials; the first sentence says what was wrong.
      const message = error instanceof Error ? error.message : String(error);
      throw new InvalidWebhookSignature(message.split(/[.\n]/)[0].trim());
    }
    return { event: parseStripeEvent(parsed), payload: rawBody.toString('utf8') };
  }
}
