import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { PlansModule } from '../plans/plans.module';
import { ChargesService } from './charges.service';
import { PricingController } from './pricing.controller';
import { QuoteService } from './quote.service';
import { UsageSource } from './usage-source';

/** Before usage ingest exists there is no recorded usage to price. */
class NoRecordedUsage extends UsageSource {
  async usageByEndpoint() {
    return [];
  }
}

@Module({
  imports: [CustomersModule, PlansModule],
  controllers: [PricingController],
  providers: [QuoteService, ChargesService, { provide: UsageSource, useClass: NoRecordedUsage }],
  exports: [ChargesService],
})
export class PricingModule {}
