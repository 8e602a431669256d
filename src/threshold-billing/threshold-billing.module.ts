import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { UsageModule } from '../usage/usage.module';
import { BilledAtThresholdsAdjuster } from './billed-at-thresholds.invoice-adjuster';
import { BillingThresholdsController } from './billing-thresholds.controller';
import { BillingThresholdsRepository } from './billing-thresholds.repository';
import { BillingThresholdsService } from './billing-thresholds.service';
import { ThresholdBillingSubscriber } from './threshold-billing.subscriber';
import { UnpaidThresholdGate } from './unpaid-threshold.gate';

/**
 * Progressive billing: per-customer thresholds of usage spend; reaching one issues a threshold
 * invoice at once (a durable subscriber of usage events, found by class), the period's own
 * invoice deducts what they billed (an invoice adjuster), and unpaid ones can block usage (a
 * usage gate). Invoices are made through the billing module's exported service.
 */
@Module({
  imports: [CustomersModule, PricingModule, UsageModule, BillingModule, EventsModule, AuditModule],
  controllers: [BillingThresholdsController],
  providers: [
    BillingThresholdsRepository,
    BillingThresholdsService,
    BilledAtThresholdsAdjuster,
    ThresholdBillingSubscriber,
    UnpaidThresholdGate,
  ],
})
export class ThresholdBillingModule {}
