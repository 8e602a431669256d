import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { IsDateOrInstant, IsPeriod } from '../common/http/validators';
import type { UsageGroupBy } from './usage-report.service';

const FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof FORMATS)[number];
const GROUPINGS: UsageGroupBy[] = ['day', 'week', 'month', 'endpoint', 'customer'];

export class UsageReportQuery {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description:
      'First day, inclusive: YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a zone at a UTC midnight (the report counts whole UTC days); default the start of the current month',
  })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01',
    description:
      'Day after the last, exclusive, in the same forms as from; default the start of next month. ≤ 400 days',
  })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;

  @ApiPropertyOptional({ example: 'acme', description: 'One customer; default all customers' })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: 'customerId must be a customer id' })
  customerId?: string;

  @ApiPropertyOptional({
    enum: GROUPINGS,
    default: 'day',
    description: 'week = ISO week (Monday start), labelled like 2026-W47',
  })
  @IsOptional()
  @IsIn(GROUPINGS)
  groupBy?: UsageGroupBy;

  @ApiPropertyOptional({ enum: FORMATS, default: 'json', description: 'csv is streamed' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: ReportFormat;
}

export class BillingReportQuery {
  @ApiPropertyOptional({ example: '2026-10', description: 'YYYY-MM; default the previous month' })
  @IsOptional()
  @IsPeriod()
  period?: string;

  @ApiPropertyOptional({ enum: FORMATS, default: 'json', description: 'csv is streamed' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: ReportFormat;
}

/* Response shapes of the JSON reports (the CSV downloads have the same rows as columns). */

export class UsageReportTotalDto {
  @ApiProperty({ example: '1500.5' }) quantity: string;
  @ApiProperty({ example: 1200 }) events: number;
}

/** A row of every grouping but `customer`: day, ISO week, month or endpoint. */
export class UsageReportGroupRowDto {
  @ApiProperty({ example: '2026-11-03', description: 'Day, week (2026-W45), month or endpoint' })
  key: string;
  @ApiProperty({ example: '500' }) quantity: string;
  @ApiProperty({ example: 400 }) events: number;
}

/** A row of `groupBy=customer`. */
export class UsageReportCustomerRowDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'Acme Inc.' }) customerName: string;
  @ApiProperty({ example: '500' }) quantity: string;
  @ApiProperty({ example: 400 }) events: number;
}

export class UsageReportResponse {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-12-01' }) to: string;
  @ApiProperty({ nullable: true, type: String, example: null }) customerId: string | null;
  @ApiProperty({ enum: GROUPINGS, example: 'day' }) groupBy: UsageGroupBy;
  @ApiProperty({ type: UsageReportTotalDto }) total: UsageReportTotalDto;
  @ApiProperty({
    type: 'array',
    items: {
      oneOf: [
        { $ref: getSchemaPath(UsageReportGroupRowDto) },
        { $ref: getSchemaPath(UsageReportCustomerRowDto) },
      ],
    },
    description: '`customerId` and `customerName` with groupBy=customer, `key` otherwise',
  })
  rows: (UsageReportGroupRowDto | UsageReportCustomerRowDto)[];
}

export class BillingReportRowDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'Acme Inc.' }) customerName: string;
  @ApiProperty({ enum: ['active', 'archived'], example: 'active' }) customerStatus: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ nullable: true, type: String, example: 'inv_acme_2026-10' })
  invoiceId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'INV-2026-000042' })
  invoiceNumber: string | null;
  @ApiProperty({
    enum: ['period', 'threshold'],
    nullable: true,
    type: String,
    example: 'period',
    description:
      'One row per invoice: a customer with threshold invoices has a row for each (`threshold`) and one for the period invoice (`period`); null with status `none`',
  })
  billingReason: string | null;
  @ApiProperty({
    enum: ['draft', 'open', 'paid', 'void', 'uncollectible', 'none'],
    example: 'open',
    description: '`none`: the customer has no invoice for the period',
  })
  status: string;
  @ApiProperty({ example: '61.00' }) total: string;
  @ApiProperty({ example: '0.00' }) amountPaid: string;
  @ApiProperty({
    example: '61.00',
    description:
      'Open and uncollectible invoices: amountDue (after credits and credit notes) less what was paid',
  })
  outstanding: string;
  @ApiProperty({ example: '0.00', description: 'What issued credit notes took off the invoice' })
  credited: string;
}

export class StatusTotalsDto {
  @ApiProperty({ example: 3 }) invoices: number;
  @ApiProperty({ example: '183.00' }) total: string;
  @ApiProperty({ example: '61.00' }) amountPaid: string;
  @ApiProperty({ example: '122.00' }) outstanding: string;
  @ApiProperty({ example: '10.00', description: 'What issued credit notes took off' })
  credited: string;
}

export class TotalsByStatusDto {
  @ApiProperty({ type: StatusTotalsDto }) draft: StatusTotalsDto;
  @ApiProperty({ type: StatusTotalsDto }) open: StatusTotalsDto;
  @ApiProperty({ type: StatusTotalsDto }) paid: StatusTotalsDto;
  @ApiProperty({ type: StatusTotalsDto }) void: StatusTotalsDto;
  @ApiProperty({ type: StatusTotalsDto }) uncollectible: StatusTotalsDto;
}

export class CurrencyTotalsDto extends StatusTotalsDto {
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ type: TotalsByStatusDto }) byStatus: TotalsByStatusDto;
}

export class BillingReportResponse {
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({ example: 3, description: 'Customers in the report' }) customers: number;
  @ApiProperty({ example: 0 }) customersWithoutInvoice: number;
  @ApiProperty({ type: [CurrencyTotalsDto], description: 'One entry per currency' })
  totals: CurrencyTotalsDto[];
  @ApiProperty({ type: [BillingReportRowDto] }) rows: BillingReportRowDto[];
}
