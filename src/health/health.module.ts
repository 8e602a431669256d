import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsModule } from '../events';
import { DependencyBreakersHealthIndicator } from '../common/resilience';
import { DynamoHealthIndicator } from './dynamo.health';
import { EventRelayHealthIndicator } from './event-relay.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), EventsModule],
  controllers: [HealthController],
  providers: [DynamoHealthIndicator, DependencyBreakersHealthIndicator, EventRelayHealthIndicator],
})
export class HealthModule {}
