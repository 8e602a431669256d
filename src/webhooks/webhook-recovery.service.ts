import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { Job } from '../jobs/job';
import { runsJobsInProcess } from '../jobs/jobs.config';
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

  constructor(
    private readonly webhooks: StripeWebhooksService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (!runsJobsInProcess(this.config)) return;
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

/** `webhook-recovery`: one pass of `WebhookRecovery.sweep` (every minute in container mode). */
@Injectable()
export class WebhookRecoveryJob extends Job<{ ran: number }> {
  readonly name = 'webhook-recovery';

  constructor(private readonly recovery: WebhookRecovery) {
    super();
  }

  async run(): Promise<{ ran: number }> {
    return { ran: await this.recovery.sweep() };
  }
}
