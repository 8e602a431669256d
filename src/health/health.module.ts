import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DependencyBreakersHealthIndicator } from '../common/resilience';
import { DynamoHealthIndicator } from './dynamo.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DynamoHealthIndicator, DependencyBreakersHealthIndicator],
})
export class HealthModule {}
