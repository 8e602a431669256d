import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsDateOrInstant } from '../common/http/validators';

/* Bodies are checked event by event (usage-rules.ts) so a batch can report each index; these
   classes describe them for OpenAPI. */

export class UsageEventDto {
  @ApiProperty({ example: 'acme', description: 'An existing, active customer' }) customerId: string;
  @ApiProperty({ example: '/api/search', description: 'Starts with "/", ≤ 255 characters' })
  endpoint: string;
  @ApiPropertyOptional({
    example: '1',
    default: '1',
    description:
      'Plain decimal ≤ 1,000,000: digits, optional fraction of ≤ 6 places, no sign or exponent; a JSON number is read by its shortest decimal form (-0, 1e-7 refused); absent = 1, null refused',
  })
  quantity?: string;
  @ApiPropertyOptional({
    example: '2026-11-24T10:00:00Z',
    description: `ISO-8601 date-time with a zone (Z or ±HH:MM); a day or time that does not exist is refused. Default now; ≤ 5 minutes ahead, ≤ USAGE_MAX_AGE_DAYS old; stored in UTC`,
  })
  timestamp?: string;
  @ApiPropertyOptional({
    example: 'req-7f3a',
    description: 'Idempotency key (≤ 128 chars): customer + eventId is counted once, forever',
  })
  eventId?: string;
}

export class UsageBatchDto {
  @ApiProperty({ type: [UsageEventDto], description: 'At most 1,000 events (more → 413)' })
  events: UsageEventDto[];
}

export class IngestResponseDto {
  @ApiProperty({ example: 'req-7f3a' }) eventId: string;
  @ApiProperty({ example: false }) duplicate: boolean;
}

export class BatchResultDto {
  @ApiProperty({ example: 0 }) index: number;
  @ApiProperty({ example: 'req-7f3a' }) eventId: string;
  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected'], example: 'accepted' }) status: string;
  @ApiPropertyOptional({
    example: {
      code: 'USAGE_LIMIT_EXCEEDED',
      message: 'Daily limit reached',
      retryAfterSeconds: 3600,
    },
  })
  error?: { code: string; message: string; retryAfterSeconds?: number };
}

export class BatchResponseDto {
  @ApiProperty({ example: 98 }) accepted: number;
  @ApiProperty({ example: 1 }) duplicates: number;
  @ApiProperty({ example: 1 }) rejected: number;
  @ApiProperty({ type: [BatchResultDto] }) results: BatchResultDto[];
}

export class UsageQueryDto {
  @ApiPropertyOptional({
    example: '2026-11-01',
    description:
      'Inclusive; YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a zone; default the start of the current month',
  })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01',
    description:
      'Exclusive; YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a zone; default the start of next month',
  })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'endpoint'] })
  @IsOptional()
  @IsIn(['day', 'endpoint'])
  groupBy?: 'day' | 'endpoint';
}

export class UsageGroupDto {
  @ApiProperty({ example: '2026-11-03' }) key: string;
  @ApiProperty({ example: '1500' }) quantity: string;
  @ApiProperty({ example: 1500 }) events: number;
}

export class UsageReportDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) to: string;
  @ApiProperty({ example: '1500', description: 'Sum of quantities, exact decimal' }) total: string;
  @ApiProperty({ example: 1500 }) events: number;
  @ApiProperty({ type: [UsageGroupDto] }) groups: UsageGroupDto[];
}
