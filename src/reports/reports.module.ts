import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { CustomersModule } from '../customers/customers.module';
import { UsageModule } from '../usage/usage.module';
import { BillingReportService } from './billing-report.service';
import { ReportsController } from './reports.controller';
import { UsageReportService } from './usage-report.service';

/** Read-only reports over the aggregates other modules keep (day totals, invoices by key). */
@Module({
  imports: [CustomersModule, UsageModule, BillingModule],
  controllers: [ReportsController],
  providers: [UsageReportService, BillingReportService],
})
export class ReportsModule {}
