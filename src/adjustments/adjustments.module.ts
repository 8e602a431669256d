import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { CreditNotesModule } from '../credit-notes/credit-notes.module';
import { PricingModule } from '../pricing/pricing.module';
import { UsageModule } from '../usage/usage.module';
import { AdjustmentsInvoiceAdjuster } from './adjustments.invoice-adjuster';
import { NegativeAdjustments } from './negative-adjustments.subscriber';
import { PeriodAdjustmentsRepository } from './period-adjustments.repository';
import { PeriodAdjustments } from './period-adjustments.service';

/**
 * Usage corrected after its period was invoiced, settled in money: a charge on the customer's
 * next invoice (an invoice adjuster billing finds by class), or a credit note on the period's
 * own invoice when the correction lowered its price.
 */
@Module({
  imports: [UsageModule, PricingModule, BillingModule, CreditNotesModule],
  providers: [
    PeriodAdjustmentsRepository,
    PeriodAdjustments,
    AdjustmentsInvoiceAdjuster,
    NegativeAdjustments,
  ],
  exports: [PeriodAdjustments],
})
export class AdjustmentsModule {}
