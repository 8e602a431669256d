import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { ResilienceModule, ResiliencePolicies } from '../common/resilience';
import type { AppConfig } from '../config/configuration';
import { EventPublisher } from './event-publisher';
import { EventBridgePublisher } from './eventbridge.publisher';
import { EventsOptions } from './events.options';
import { LogPublisher } from './log.publisher';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';
import { OutboxSweepJob } from './outbox-sweep.job';
import { QueueItemDelivery } from './queue-item-delivery';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';
import { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';
import { SubscriptionMetrics } from './subscriptions/subscription.metrics';
// The module's configuration: defined on import, validated at start with every other fragment.
import './events.config';

/**
 * Billing events: the transactional outbox (OutboxWriter, used inside other modules'
 * transactions) and its relay to EventBridge. Relies on the global DatabaseModule, ConfigModule,
 * CommonModule (Clock, IdGenerator) and MetricsModule; the EventBridge breaker is the shared
 * 'eventbridge' policy of ResilienceModule.
 */
@Module({
  imports: [ResilienceModule, DiscoveryModule],
  providers: [
    { provide: EventsOptions, useValue: new EventsOptions() },
    {
      // No bus configured → events go to the log (development, tests), as DESIGN §3 says.
      provide: EventPublisher,
      inject: [ConfigService, EventsOptions, ResiliencePolicies],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        options: EventsOptions,
        policies: ResiliencePolicies,
      ) => {
        const events = config.get('events', { infer: true });
        return events.bus
          ? new EventBridgePublisher(
              events,
              config.get('dynamo', { infer: true }),
              options,
              policies,
            )
          : new LogPublisher();
      },
    },
    OutboxRepository,
    OutboxMetrics,
    OutboxWriter,
    OutboxRelay,
    SubscriptionMetrics,
    BillingEventSubscriptions,
    OutboxSweepJob,
    QueueItemDelivery,
  ],
  exports: [OutboxWriter, OutboxRelay, BillingEventSubscriptions, QueueItemDelivery],
})
export class EventsModule {}
