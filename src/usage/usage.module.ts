import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PlansModule } from '../plans/plans.module';
import { UsageSource } from './usage-source';
import { UsageController } from './usage.controller';
import { UsageCorrectionsController } from './usage-corrections.controller';
import { UsageCorrectionsService } from './usage-corrections.service';
import { UsageQueryService } from './usage-query.service';
import { UsagePeriods } from './usage-periods.service';
import { UsageReader } from './usage-reader';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';
import { UsageWriter } from './usage-writer';
import { UsageGates } from './usage-gates';
import { UsageMetrics } from './usage.metrics';
// The module's configuration: defined on import, validated at start with every other fragment.
import './usage.config';

@Module({
  imports: [DiscoveryModule, CustomersModule, PlansModule, EventsModule, AuditModule],
  controllers: [UsageController, UsageCorrectionsController],
  providers: [
    UsageRepository,
    UsageWriter,
    UsageGates,
    UsageReader,
    UsageService,
    UsageQueryService,
    UsagePeriods,
    UsageCorrectionsService,
    UsageMetrics,
    { provide: UsageSource, useExisting: UsageQueryService },
  ],
  // Services only: other modules read usage, close periods and settle adjustments of invoiced
  // periods (UsageCorrectionsService) through these, never the store.
  exports: [UsageSource, UsageQueryService, UsagePeriods, UsageCorrectionsService],
})
export class UsageModule {}
