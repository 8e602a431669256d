import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { BillingEventSubscriber, type BillingEventFor, type BillingEventType } from '../events';
import { NotificationDeliveriesRepository } from './notification-deliveries.repository';
import { type NotificationMessage, notificationMessage } from './notification-message';
import { NotificationSender, receiverHost } from './notification-sender';
import { NotificationsMetrics } from './notifications.metrics';
import { NotificationsOptions } from './notifications.options';

/** Some receiver did not accept the event: thrown so the subscriber queue retries it later. */
export class NotificationNotDelivered extends Error {
  constructor(eventId: string, failures: string[]) {
    super(`event ${eventId} not accepted by ${failures.join('; ')}`);
    this.name = 'NotificationNotDelivered';
  }
}

/**
 * Sends each billing event of the configured types to every configured receiver, once per
 * receiver: a receiver's 2xx is recorded (per event and URL) and checked before every send, so
 * the queue's redeliveries (a crash after sending, a retry because another receiver failed) are
 * not sent again where they already arrived. A receiver that does not answer 2xx makes `handle`
 * throw, and the subscriber queue retries the event with backoff, forever: an unreachable
 * receiver delays its messages and loses none. Receivers are independent, and events too (one
 * event waiting out its backoff does not hold up the next).
 *
 * The one duplicate left is a crash (or a failed record write) between a receiver's 2xx and its
 * record; receivers that must not see one dedupe on `X-Billing-Event-Id`.
 */
@Injectable()
export class NotificationsSubscriber extends BillingEventSubscriber {
  readonly name = 'notifications';
  /** None when no receiver is configured, so nothing is queued for nothing. */
  readonly eventTypes: readonly BillingEventType[];
  override readonly retry: { initialMs: number; maxMs: number };
  private readonly urls: readonly string[];
  private readonly logger = new Logger('Notifications');

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly options: NotificationsOptions,
    private readonly sender: NotificationSender,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly metrics: NotificationsMetrics,
    private readonly clock: Clock,
  ) {
    super();
    const notifications = config.get('notifications', { infer: true });
    this.urls = notifications.urls;
    this.eventTypes = this.urls.length > 0 ? notifications.eventTypes : [];
    this.retry = { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs };
  }

  async handle(event: BillingEventFor<BillingEventType>): Promise<void> {
    // Queued while receivers were configured, delivered after they were all removed: nowhere to go.
    if (this.urls.length === 0) return;
    const delivered = await this.deliveries.listDelivered(event.eventId, this.urls);
    const message = notificationMessage(event);
    const results = await Promise.allSettled(
      this.urls.map(async (url) => {
        if (!delivered.has(url)) return this.deliver(url, message);
        this.metrics.count('already_delivered');
        return undefined;
      }),
    );
    const failures = results.flatMap((result, i) => {
      if (result.status === 'fulfilled') return result.value ? [result.value] : [];
      return [`${receiverHost(this.urls[i])} (delivery not recorded: ${String(result.reason)})`];
    });
    if (failures.length > 0) throw new NotificationNotDelivered(event.eventId, failures);
  }

  /** Sends and records a 2xx; returns why not otherwise (host and status, never the URL). */
  private async deliver(url: string, message: NotificationMessage): Promise<string | undefined> {
    const { eventId, type } = message.event;
    const host = receiverHost(url);
    const outcome = await this.sender.send(url, message);
    if (!outcome.delivered) {
      this.metrics.count('failed');
      this.logger.warn(
        `${type} ${eventId} not accepted by ${host}: ${outcome.reason}; retried with backoff`,
      );
      return `${host} (${outcome.reason})`;
    }
    this.metrics.count('delivered');
    const now = this.clock.now();
    await this.deliveries.putDelivered(eventId, url, {
      eventType: type,
      host,
      status: outcome.status,
      deliveredAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.options.deliveryRecordDays * 86_400,
    });
    return undefined;
  }
}
