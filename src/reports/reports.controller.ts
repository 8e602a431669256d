import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { type BillingReportJson, BillingReportService } from './billing-report.service';
import { csvFile } from './csv';
import { BillingReportQuery, UsageReportQuery } from './reports.dto';
import { type UsageReportJson, UsageReportService } from './usage-report.service';

/** Reports read `read` scope (GET). CSV downloads stream; JSON is built in one piece. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly usage: UsageReportService,
    private readonly billing: BillingReportService,
  ) {}

  @Get('usage')
  @ApiOperation({
    summary:
      'Usage totals by day, ISO week, month, endpoint or customer, for one or all customers (from day totals)',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '{from, to, customerId, groupBy, total, rows} or CSV' })
  async usageReport(@Query() query: UsageReportQuery): Promise<UsageReportJson | StreamableFile> {
    const request = this.usage.resolve(query);
    if (query.format !== 'csv') return this.usage.json(request);
    return csvFile(
      this.usage.rows(request),
      this.usage.columns(request.groupBy),
      this.usage.filename(request),
    );
  }

  @Get('billing')
  @ApiOperation({
    summary:
      "A period's invoices: one row per customer, totals by currency and status, paid and outstanding",
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: '{period, customers, customersWithoutInvoice, totals, rows} or CSV',
  })
  async billingReport(
    @Query() query: BillingReportQuery,
  ): Promise<BillingReportJson | StreamableFile> {
    const period = this.billing.resolvePeriod(query.period);
    if (query.format !== 'csv') return this.billing.json(period);
    return csvFile(this.billing.rows(period), this.billing.columns, this.billing.filename(period));
  }
}
