import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TierBreakdownDto } from './quote.dto';

export class UsageLinkQueryDto {
  @ApiProperty({ example: '2026-11-14T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-11-15T00:00:00.000Z' }) to: string;
  @ApiProperty({ enum: ['endpoint'], example: 'endpoint' }) groupBy: string;
}

export class UsageLinkDto {
  @ApiProperty({ enum: ['GET'], example: 'GET' }) method: string;
  @ApiProperty({ example: '/v1/customers/acme/usage' }) path: string;
  @ApiProperty({ type: UsageLinkQueryDto }) query: UsageLinkQueryDto;
}

export class ExplainedUsageDayDto {
  @ApiProperty({ example: '2026-11-14', description: 'UTC day' }) date: string;
  @ApiProperty({ example: '/api/search' }) endpoint: string;
  @ApiProperty({
    example: '3000',
    description: 'What the line counted of this day: the quantity (sum) or the events (count)',
  })
  quantity: string;
  @ApiProperty({ example: '3000', description: "The day's summed event quantities" })
  usageQuantity: string;
  @ApiProperty({ example: 12 }) events: number;
  @ApiProperty({
    type: UsageLinkDto,
    description: "The usage read that shows this day's usage (clipped to the plan's stretch)",
  })
  link: UsageLinkDto;
}

export class InForceDto {
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-11-15T00:00:00.000Z' }) to: string;
}

export class ExplainedLineDto {
  @ApiProperty({ example: 'L1', description: 'The invoice line it becomes' }) id: string;
  @ApiProperty({ enum: ['usage', 'base_fee', 'minimum'], example: 'usage' }) kind: string;
  @ApiProperty({ example: 'api-calls (*): 9000 units' }) description: string;
  @ApiProperty({ example: '90.00' }) amount: string;
  @ApiPropertyOptional({ example: 'pro' }) planId?: string;
  @ApiPropertyOptional({ example: 2 }) planVersion?: number;
  @ApiPropertyOptional({ type: InForceDto, description: 'When this plan version was in force' })
  inForce?: InForceDto;
  @ApiPropertyOptional({ example: 'api-calls' }) chargeId?: string;
  @ApiPropertyOptional({ example: '*' }) endpoint?: string;
  @ApiPropertyOptional({ example: 'per_unit' }) model?: string;
  @ApiPropertyOptional({ enum: ['sum', 'count'], example: 'sum' }) aggregation?: string;
  @ApiPropertyOptional({ example: '9000' }) quantity?: string;
  @ApiPropertyOptional({ type: [TierBreakdownDto] }) tiers?: TierBreakdownDto[];
  @ApiProperty({
    type: [String],
    example: ['9,000 × 0.01 = 90.00'],
    description: 'The arithmetic, one step each, exact',
  })
  arithmetic: string[];
  @ApiPropertyOptional({
    type: [ExplainedUsageDayDto],
    description: 'Usage lines: day totals per endpoint, adding up exactly to `quantity`',
  })
  usage?: ExplainedUsageDayDto[];
}

export class ExplainedSegmentDto {
  @ApiProperty({ example: 'pro' }) planId: string;
  @ApiProperty({ example: 2 }) planVersion: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-11-15T00:00:00.000Z' }) to: string;
  @ApiProperty({ example: '14', description: 'Length in days (fractions when not whole)' })
  days: string;
}

export class ChargesExplanationDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) to: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '120.00' }) total: string;
  @ApiProperty({ example: '120.00' }) subtotal: string;
  @ApiProperty({ example: '30.00' }) baseFee: string;
  @ApiProperty({ example: '0.00' }) minimumTopUp: string;
  @ApiProperty({ type: [ExplainedSegmentDto] }) segments: ExplainedSegmentDto[];
  @ApiProperty({ type: [ExplainedLineDto] }) lines: ExplainedLineDto[];
}
