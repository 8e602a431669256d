import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { PaymentsModule } from '../stripe';
import { UsageModule } from '../usage/usage.module';
import { InvoiceAdjusters } from './invoice-adjusters';
import { InvoiceFinalizer } from './invoice-finalizer';
import { InvoiceRecords } from './invoice-records';
import { InvoiceMetrics } from './invoice.metrics';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';
import { ManualPaymentProviderSubscriber } from './manual-payment-provider.subscriber';
import { ProviderInvoicesService } from './provider-invoices.service';
import { ChunkBiller } from './runs/billing-run.chunk';
import { BillingRunController } from './runs/billing-run.controller';
import { BillingRunMetrics } from './runs/billing-run.metrics';
import { CustomerBiller } from './runs/billing-run.customer';
import { BillingRunJob, BillingRunSweepJob } from './runs/billing-run.jobs';
import { BillingRunOptions } from './runs/billing-run.options';
import { BillingRunRepository } from './runs/billing-run.repository';
import { BillingRunScheduler } from './runs/billing-run.scheduler';
import { BillingRunService } from './runs/billing-run.service';
// The module's configuration: defined on import, validated at start with every other fragment.
import './billing.config';

@Module({
  imports: [
    DiscoveryModule,
    CustomersModule,
    PricingModule,
    UsageModule,
    PaymentsModule,
    EventsModule,
    AuditModule,
  ],
  controllers: [InvoicesController, BillingRunController],
  providers: [
    InvoicesRepository,
    InvoiceRecords,
    InvoiceMetrics,
    InvoiceFinalizer,
    InvoiceAdjusters,
    ProviderInvoicesService,
    InvoicesService,
    ManualPaymentProviderSubscriber,
    { provide: BillingRunOptions, useValue: new BillingRunOptions() },
    BillingRunRepository,
    BillingRunMetrics,
    CustomerBiller,
    ChunkBiller,
    BillingRunService,
    BillingRunJob,
    BillingRunSweepJob,
    BillingRunScheduler,
  ],
  // Services only: other modules reach invoices through InvoicesService, never the store.
  exports: [InvoicesService],
})
export class BillingModule {}
