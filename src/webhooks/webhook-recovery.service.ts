import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StripeWebhooksService } from './stripe-webhooks.service';

const INTERVAL_MS = 60_000;
const BATCH = 25;

/**
 * Runs inbox entries whose processor died mid-run (they stay `received` after their lease).
 * Stripe may already have had a 2xx for them (a concurrent duplicate delivery is answered 200),
 * so without this job such an event could wait forever.
 */
@Injectable()
export class WebhookRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookRecovery');
  private timer?: NodeJS.Timeout;

  constructor(private readonly webhooks: StripeWebhooksService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const ran = await this.webhooks.recoverStale(BATCH);
      if (ran > 0) this.logger.log(`Ran ${ran} stale webhook event(s)`);
      return ran;
    } catch (error) {
      this.logger.warn({ err: error }, 'Webhook recovery pass failed; next pass retries');
      return 0;
    }
  }
}
