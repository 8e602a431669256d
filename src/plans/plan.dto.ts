import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { PlanDocument } from '../pricing/core/plan.types';
import type { PlanVersion } from './plan.model';

export class PlanVersionQuery {
  @ApiPropertyOptional({ description: 'A specific version; the version in force now when omitted' })
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
  @ApiPropertyOptional({ example: { unitsPerDay: 10000 } }) limits?: { unitsPerDay?: number };
  @ApiProperty({ description: 'Charges (DESIGN §5): per_unit, graduated, volume, package, flat' })
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
