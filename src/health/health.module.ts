import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DynamoHealthIndicator } from './dynamo.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DynamoHealthIndicator],
})
export class HealthModule {}
