import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { EventPublisher } from './event-publisher';
import { EventBridgePublisher } from './eventbridge.publisher';
import { EventsOptions } from './events.options';
import { LogPublisher } from './log.publisher';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';

/**
 * Billing events: the transactional outbox (OutboxWriter, used inside other modules'
 * transactions) and its relay to EventBridge. Relies on the global DatabaseModule, ConfigModule,
 * CommonModule (Clock, IdGenerator) and MetricsModule.
 */
@Module({
  providers: [
    { provide: EventsOptions, useValue: new EventsOptions() },
    {
      // No bus configured → events go to the log (development, tests), as DESIGN §3 says.
      provide: EventPublisher,
      inject: [ConfigService, EventsOptions],
      useFactory: (config: ConfigService<AppConfig, true>, options: EventsOptions) => {
        const events = config.get('events', { infer: true });
        return events.bus
          ? new EventBridgePublisher(events, config.get('dynamo', { infer: true }), options)
          : new LogPublisher();
      },
    },
    OutboxRepository,
    OutboxMetrics,
    OutboxWriter,
    OutboxRelay,
  ],
  exports: [OutboxWriter, OutboxRelay],
})
export class EventsModule {}
