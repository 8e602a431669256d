import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { PaymentsModule } from '../stripe';
import { UsageModule } from '../usage/usage.module';
import { InvoiceRecords } from './invoice-records';
import { InvoiceMetrics } from './invoice.metrics';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';
import { ProviderInvoicesService } from './provider-invoices.service';
import { ChunkBiller } from './runs/billing-run.chunk';
import { BillingRunController } from './runs/billing-run.controller';
import { BillingRunMetrics } from './runs/billing-run.metrics';
import { CustomerBiller } from './runs/billing-run.customer';
import { BillingRunOptions } from './runs/billing-run.options';
import { BillingRunRepository } from './runs/billing-run.repository';
import { BillingRunScheduler } from './runs/billing-run.scheduler';
import { BillingRunService } from './runs/billing-run.service';

@Module({
  imports: [CustomersModule, PricingModule, UsageModule, PaymentsModule, EventsModule],
  controllers: [InvoicesController, BillingRunController],
  providers: [
    InvoicesRepository,
    InvoiceRecords,
    InvoiceMetrics,
    ProviderInvoicesService,
    InvoicesService,
    { provide: BillingRunOptions, useValue: new BillingRunOptions() },
    BillingRunRepository,
    BillingRunMetrics,
    CustomerBiller,
    ChunkBiller,
    BillingRunService,
    BillingRunScheduler,
  ],
  exports: [InvoicesService, InvoicesRepository],
})
export class BillingModule {}
