import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { InvoiceResponse } from '../billing/invoice.dto';
import type { BillingThresholdsView } from './billing-thresholds.model';

export class PutBillingThresholdsDto {
  @ApiProperty({
    example: ['100.00', '500.00'],
    description:
      "1-20 amounts of usage spend in the customer's currency (at most its decimals), strictly ascending, each > 0. Usage spend: the period's usage lines priced so far (base fees and the minimum are billed at period end)",
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  amounts: string[];

  @ApiPropertyOptional({
    example: '1000.00',
    description: 'A further threshold every this much beyond the last amount (> 0)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  recurringEvery?: string;

  @ApiPropertyOptional({
    example: 86400,
    description:
      'Usage is refused (402 THRESHOLD_INVOICE_UNPAID) while a threshold invoice of the current or previous period stays unpaid longer than this many seconds after it was finalized',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(31_536_000)
  blockWhenUnpaidAfter?: number;
}

export class ThresholdPeriodDto {
  @ApiProperty({ example: '2026-12' }) period: string;
  @ApiProperty({
    example: 2,
    description: 'The highest threshold (1-based) billed this period; 0 before the first',
  })
  reached: number;
  @ApiProperty({
    type: [InvoiceResponse],
    description: 'The threshold invoices of the period, by threshold',
  })
  invoices: InvoiceResponse[];
}

export class BillingThresholdsResponse {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: ['100.00', '500.00'] }) amounts: string[];
  @ApiProperty({ example: '1000.00', nullable: true, type: String }) recurringEvery: string | null;
  @ApiProperty({ example: 86400, nullable: true, type: Number })
  blockWhenUnpaidAfter: number | null;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' }) updatedAt: string;
  @ApiProperty({ type: ThresholdPeriodDto, description: 'The current period' })
  currentPeriod: ThresholdPeriodDto;

  static from(view: BillingThresholdsView): BillingThresholdsResponse {
    return Object.assign(new BillingThresholdsResponse(), {
      ...view.thresholds,
      currentPeriod: {
        period: view.current.period,
        reached: view.current.reached,
        invoices: view.current.invoices.map((i) => InvoiceResponse.from(i)),
      },
    });
  }
}
