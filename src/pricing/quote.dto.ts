import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsPeriod } from '../common/http/validators';
import { PlanDocumentDto } from '../plans/plan.dto';

/** Documentation shape; the body is checked field by field in QuoteService. */
export class QuoteRequestDto {
  @ApiPropertyOptional({
    example: 'paid',
    description: 'Price with this plan (version in force now)…',
  })
  planId?: string;

  @ApiPropertyOptional({ type: PlanDocumentDto, description: '…or with this inline plan document' })
  plan?: PlanDocumentDto;

  @ApiProperty({
    example: { '/api/search': 1500, '/api/export': { quantity: '2.5', events: 3 } },
    description:
      'Usage per endpoint: a quantity (number or decimal string; counts as that many events of quantity 1 for "count" charges) or {quantity, events}',
  })
  usage: Record<string, unknown>;
}

export class TierBreakdownDto {
  @ApiProperty({ example: '1000' }) from: string;
  @ApiProperty({ example: '10000', nullable: true, type: String }) to: string | null;
  @ApiProperty({ example: '500' }) quantity: string;
  @ApiProperty({ example: '0.01' }) unitAmount: string;
  @ApiProperty({ example: '0.00' }) flatAmount: string;
  @ApiProperty({ example: '5.00' }) amount: string;
}

export class LineBreakdownDto {
  @ApiProperty({ example: 'api-calls' }) chargeId: string;
  @ApiProperty({ example: '*' }) endpoint: string;
  @ApiProperty({ example: 'graduated' }) model: string;
  @ApiProperty({ example: '1500' }) quantity: string;
  @ApiProperty({ example: '5.00' }) amount: string;
  @ApiProperty({ type: [TierBreakdownDto] }) tiers: TierBreakdownDto[];
}

export class QuoteResponseDto {
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '5.00' }) total: string;
  @ApiProperty({ example: '5.00' }) subtotal: string;
  @ApiProperty({ example: '0.00' }) baseFee: string;
  @ApiProperty({ example: '0.00' }) minimumTopUp: string;
  @ApiProperty({ type: [LineBreakdownDto] }) lines: LineBreakdownDto[];
  @ApiPropertyOptional({ example: 'paid' }) planId?: string;
  @ApiPropertyOptional({ example: 1 }) planVersion?: number;
}

export class ChargesQueryDto {
  @ApiPropertyOptional({
    example: '2026-11',
    description: 'YYYY-MM; the current month when omitted',
  })
  @IsOptional()
  @IsPeriod()
  period?: string;
}

export class ChargeSegmentDto {
  @ApiProperty({ example: 'paid' }) planId: string;
  @ApiProperty({ example: 1 }) planVersion: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-11-15T00:00:00.000Z' }) to: string;
  @ApiProperty({ example: '22.87' }) baseFee: string;
  @ApiProperty({ example: '27.87' }) subtotal: string;
}

export class ChargeLineDto extends LineBreakdownDto {
  @ApiProperty({ example: 'paid' }) planId: string;
  @ApiProperty({ example: 1 }) planVersion: number;
}

export class ChargesResponseDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) to: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '5.00' }) total: string;
  @ApiProperty({ example: '5.00' }) subtotal: string;
  @ApiProperty({ example: '0.00' }) baseFee: string;
  @ApiProperty({ example: '0.00' }) minimumTopUp: string;
  @ApiProperty({ type: [ChargeLineDto] }) lines: ChargeLineDto[];
  @ApiProperty({ type: [ChargeSegmentDto] }) segments: ChargeSegmentDto[];
}
