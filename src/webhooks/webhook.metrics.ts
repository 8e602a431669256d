import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';
import {
  InvalidWebhookEvent,
  InvalidWebhookSignature,
  WebhooksNotConfigured,
} from './webhook.errors';

/** Stripe's event types (`invoice.paid`, `customer.subscription.deleted`, …). */
const STRIPE_EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+){1,4}$/;

/**
 * The `type` label: the event's type once its signature is verified. Only Stripe can sign, so
 * the values are bounded by Stripe's catalogue; anything not shaped like a type is `other`.
 */
const typeLabel = (type: string): string =>
  type.length <= 64 && STRIPE_EVENT_TYPE.test(type) ? type : 'other';

function refusal(error: unknown): string {
  if (error instanceof InvalidWebhookSignature) return 'invalid_signature';
  if (error instanceof InvalidWebhookEvent) return 'invalid_event';
  if (error instanceof WebhooksNotConfigured) return 'not_configured';
  return 'failed';
}

/** Stripe webhook deliveries as an operator watches them, by event type and outcome. */
@Injectable()
export class WebhookMetrics {
  private readonly events: Counter<'type' | 'outcome'>;

  constructor(metrics: MetricsService) {
    this.events = metrics.counter({
      name: 'webhook_events_total',
      help: 'Stripe webhook deliveries by event type and outcome (processed, ignored, duplicate, failed; refused before verification: invalid_signature, invalid_event, not_configured, with type="unverified")',
      labelNames: ['type', 'outcome'],
    });
  }

  /** Runs the signature check, counting a delivery it refuses. */
  verified<T>(verify: () => T): T {
    try {
      return verify();
    } catch (error) {
      this.events.inc({ type: 'unverified', outcome: refusal(error) });
      throw error;
    }
  }

  /** Runs a verified delivery, counting how it ended. */
  async delivered<T extends { duplicate: boolean; status: string }>(
    type: string,
    deliver: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await deliver();
      this.events.inc({
        type: typeLabel(type),
        outcome: result.duplicate ? 'duplicate' : result.status,
      });
      return result;
    } catch (error) {
      this.events.inc({ type: typeLabel(type), outcome: 'failed' });
      throw error;
    }
  }
}
