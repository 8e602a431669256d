import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { PaymentsModule } from '../stripe';
import { UsageModule } from '../usage/usage.module';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';

@Module({
  imports: [CustomersModule, PricingModule, UsageModule, PaymentsModule, EventsModule],
  controllers: [InvoicesController],
  providers: [InvoicesRepository, InvoicesService],
  exports: [InvoicesService, InvoicesRepository],
})
export class BillingModule {}
