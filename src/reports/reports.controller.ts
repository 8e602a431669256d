import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi';
import { type BillingReportJson, BillingReportService } from './billing-report.service';
import { csvFile } from './csv';
import {
  BillingReportQuery,
  BillingReportResponse,
  UsageReportCustomerRowDto,
  UsageReportGroupRowDto,
  UsageReportQuery,
  UsageReportResponse,
} from './reports.dto';
import { type UsageReportJson, UsageReportService } from './usage-report.service';

/** Reports read `read` scope (GET). CSV downloads stream; JSON is built in one piece. */
@ApiTags('reports')
@ApiExtraModels(UsageReportGroupRowDto, UsageReportCustomerRowDto)
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly usage: UsageReportService,
    private readonly billing: BillingReportService,
  ) {}

  @Get('usage')
  @ApiOperation({
    operationId: 'getUsageReport',
    summary:
      'Usage totals by day, ISO week, month, endpoint or customer, for one or all customers (from day totals)',
  })
  @ApiOkResponse({
    description: 'The report: JSON, or with format=csv a CSV download with the same rows',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(UsageReportResponse) } },
      'text/csv': {
        schema: { type: 'string' },
        example: 'day,quantity,events\r\n2026-11-03,500,400\r\n',
      },
    },
  })
  @ApiExtraModels(UsageReportResponse)
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
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
    operationId: 'getBillingReport',
    summary:
      "A period's invoices: one row per customer, totals by currency and status, paid and outstanding",
  })
  @ApiOkResponse({
    description: 'The report: JSON, or with format=csv a CSV download with the same rows',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(BillingReportResponse) } },
      'text/csv': {
        schema: { type: 'string' },
        example:
          'customer_id,customer_name,customer_status,currency,invoice_id,invoice_number,invoice_status,total,amount_paid,outstanding\r\nacme,Acme Inc.,active,USD,inv_acme_2026-10,INV-2026-000042,open,61.00,0.00,61.00\r\n',
      },
    },
  })
  @ApiExtraModels(BillingReportResponse)
  async billingReport(
    @Query() query: BillingReportQuery,
  ): Promise<BillingReportJson | StreamableFile> {
    const period = this.billing.resolvePeriod(query.period);
    if (query.format !== 'csv') return this.billing.json(period);
    return csvFile(this.billing.rows(period), this.billing.columns, this.billing.filename(period));
  }
}
