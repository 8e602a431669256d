import { Module } from '@nestjs/common';
import { NotificationDeliveriesRepository } from './notification-deliveries.repository';
import { NotificationSender } from './notification-sender';
import { NotificationsMetrics } from './notifications.metrics';
import { NotificationsOptions } from './notifications.options';
import { NotificationsSubscriber } from './notifications.subscriber';
// The module's configuration: defined on import, validated at start with every other fragment.
import './notifications.config';

/**
 * Outbound notifications: billing events POSTed as signed JSON to the receivers configured in
 * NOTIFY_WEBHOOK_URL (see NotificationsSubscriber). Built only on the events module's durable
 * subscriptions (found by class, no import needed) and the global config, database, clock and
 * metrics; nothing else in the application knows it exists.
 */
@Module({
  providers: [
    { provide: NotificationsOptions, useValue: new NotificationsOptions() },
    NotificationDeliveriesRepository,
    NotificationSender,
    NotificationsMetrics,
    NotificationsSubscriber,
  ],
})
export class NotificationsModule {}
