import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { PlansModule } from '../plans/plans.module';
import { ChargesService } from './charges.service';
import { PricingController } from './pricing.controller';
import { QuoteService } from './quote.service';
import { UsageModule } from '../usage/usage.module';

@Module({
  imports: [CustomersModule, PlansModule, UsageModule],
  controllers: [PricingController],
  providers: [QuoteService, ChargesService],
  exports: [ChargesService],
})
export class PricingModule {}
