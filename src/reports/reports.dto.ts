import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import type { UsageGroupBy } from './usage-report.service';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof FORMATS)[number];
const GROUPINGS: UsageGroupBy[] = ['day', 'week', 'month', 'endpoint', 'customer'];

export class UsageReportQuery {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description: 'First day (UTC), inclusive; default the start of the current month',
  })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'from must be a YYYY-MM-DD date' })
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01',
    description: 'Day after the last (UTC), exclusive; default the start of next month. ≤ 400 days',
  })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'to must be a YYYY-MM-DD date' })
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
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'period must be YYYY-MM' })
  period?: string;

  @ApiPropertyOptional({ enum: FORMATS, default: 'json', description: 'csv is streamed' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: ReportFormat;
}
