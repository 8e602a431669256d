import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { PlanDocument } from '../pricing-core/plan.types';
import type { PlanVersion } from './plan.model';

export class PlanVersionQuery {
  @ApiPropertyOptional({
    example: 2,
    description: 'A specific version; the version in force now when omitted',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  version?: number;
}

export class PlanResponse {
  @ApiProperty({ example: 'paid' }) id: string;
  @ApiProperty({ example: 'Paid' }) name: string;
  @ApiProperty({ example: 'USD', description: 'ISO 4217, upper case' }) currency: string;
  @ApiProperty({ example: '0.00', description: 'Decimal string, major units' }) baseFee: string;
  @ApiProperty({ example: '0.00', description: 'Decimal string, major units' })
  minimumCharge: string;
  @ApiPropertyOptional({ type: () => PlanLimitsDto }) limits?: { unitsPerDay?: number };
  @ApiProperty({
    type: () => [ChargeDto],
    description: 'Charges (DESIGN §5): per_unit, graduated, volume, package, flat',
  })
  charges: PlanDocument['charges'];
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) effectiveFrom: string;
  @ApiProperty({ example: '2026-10-30T12:00:00.000Z' }) createdAt: string;

  static from(v: PlanVersion): PlanResponse {
    return Object.assign(new PlanResponse(), {
      ...v.document,
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      createdAt: v.createdAt,
    });
  }
}

export class PlanListResponse {
  @ApiProperty({ type: [PlanResponse] }) data: PlanResponse[];
}

export class PlanLimitsDto {
  @ApiPropertyOptional({
    example: 100000,
    description:
      'Units a customer may record per UTC day; more is refused (429 today, 422 for a past day)',
  })
  unitsPerDay?: number;
}

/* Documentation-only shapes: plan documents are checked by the pricing core's validatePlan,
   which reports every bad field (tiers ascending, last upTo null, amounts, currency, ...). */

export class TierDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 10000,
    description: 'Inclusive; null on the last tier only',
  })
  upTo: number | null;
  @ApiProperty({ example: '0.01', description: 'Decimal string, up to 12 decimal places' })
  unitAmount: string;
  @ApiPropertyOptional({ example: '0', description: 'Charged once when the tier is reached' })
  flatAmount?: string;
}

export class ChargeDto {
  @ApiProperty({ example: 'api-calls', description: 'Unique within the plan' }) id: string;
  @ApiProperty({ example: '*', description: '"*", exact "/api/search" or prefix "/api/*"' })
  endpoint: string;
  @ApiProperty({ enum: ['sum', 'count'], example: 'sum' }) aggregation: string;
  @ApiProperty({
    enum: ['per_unit', 'graduated', 'volume', 'package', 'flat'],
    example: 'graduated',
  })
  model: string;
  @ApiPropertyOptional({ example: '0.002', description: 'per_unit' }) unitAmount?: string;
  @ApiPropertyOptional({ type: [TierDto], description: 'graduated and volume' }) tiers?: TierDto[];
  @ApiPropertyOptional({ example: 1000, description: 'package' }) packageSize?: number;
  @ApiPropertyOptional({ example: '5.00', description: 'package' }) packageAmount?: string;
  @ApiPropertyOptional({ enum: ['up', 'down'], example: 'up', description: 'package' })
  rounding?: string;
  @ApiPropertyOptional({ example: 0, description: 'package' }) freeUnits?: number;
  @ApiPropertyOptional({ example: '10.00', description: 'flat' }) amount?: string;
}

export class PlanDocumentDto {
  @ApiProperty({ example: 'pro' }) id: string;
  @ApiProperty({ example: 'Pro' }) name: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '49.00' }) baseFee: string;
  @ApiProperty({ example: '0' }) minimumCharge: string;
  @ApiPropertyOptional({ type: () => PlanLimitsDto }) limits?: { unitsPerDay?: number };
  @ApiProperty({ type: [ChargeDto] }) charges: ChargeDto[];
}

export class PlanVersionDocumentDto extends PlanDocumentDto {
  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'When the version takes effect; now when omitted; never in the past',
  })
  effectiveFrom?: string;
}
