import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PlansModule } from '../plans/plans.module';
import { UsageSource } from './usage-source';
import { UsageController } from './usage.controller';
import { UsageQueryService } from './usage-query.service';
import { UsageReader } from './usage-reader';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';
import { UsageWriter } from './usage-writer';
import { UsageMetrics } from './usage.metrics';

@Module({
  imports: [CustomersModule, PlansModule, EventsModule],
  controllers: [UsageController],
  providers: [
    UsageRepository,
    UsageWriter,
    UsageReader,
    UsageService,
    UsageQueryService,
    UsageMetrics,
    { provide: UsageSource, useExisting: UsageQueryService },
  ],
  exports: [UsageSource, UsageRepository, UsageWriter],
})
export class UsageModule {}
