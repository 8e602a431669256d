import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateBy } from 'class-validator';
import { IsDateOrInstant } from '../common/http/validators';
import { checkQuantity } from './usage-rules';

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

const REASON_DESCRIPTION = 'Why (1-500 characters); kept with the correction, for disputes';

/** A usage quantity by ingest's rule (usage-rules.ts `checkQuantity`), the problem as message. */
function IsUsageQuantity(): PropertyDecorator {
  return ValidateBy({
    name: 'isUsageQuantity',
    validator: {
      validate: (value: unknown) => 'quantity' in checkQuantity(value),
      defaultMessage: (args) => {
        const checked = checkQuantity(args?.value);
        return `$property ${'problem' in checked ? checked.problem : 'is invalid'}`;
      },
    },
  });
}

export class VoidUsageEventDto {
  @ApiProperty({ example: 'Sent twice by a client bug', description: REASON_DESCRIPTION })
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: '$property must not be blank' })
  reason: string;
}

export class AmendUsageEventDto {
  @ApiProperty({
    example: '2.5',
    description:
      'The quantity the event should have counted for, by the rule of ingest: a plain decimal from 0 to 1,000,000 with at most 6 decimal places (string or JSON number)',
  })
  @IsUsageQuantity()
  quantity: string;

  @ApiProperty({ example: 'Customer dispute: 2.5 GB, not 25', description: REASON_DESCRIPTION })
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: '$property must not be blank' })
  reason: string;
}

export class CorrectionActorDto {
  @ApiProperty({ enum: ['api_key', 'stripe', 'system'], example: 'api_key' }) type: string;
  @ApiProperty({ example: 'ops', description: 'The API key name' }) name: string;
}

export class UsageCorrectionDto {
  @ApiProperty({ example: 1, description: '1, 2, 3… per event' }) seq: number;
  @ApiProperty({ enum: ['void', 'amend'], example: 'amend' }) type: string;
  @ApiProperty({ example: '25', description: 'Quantity before the correction' })
  previousQuantity: string;
  @ApiProperty({ example: '2.5', description: 'Quantity after it ("0" for a void)' })
  quantity: string;
  @ApiProperty({ example: '-22.5', description: 'What the totals changed by' }) delta: string;
  @ApiProperty({ example: 'Customer dispute: 2.5 GB, not 25' }) reason: string;
  @ApiProperty({ example: '2026-12-03T09:15:00.000Z' }) at: string;
  @ApiProperty({ type: CorrectionActorDto }) actor: CorrectionActorDto;
  @ApiPropertyOptional({ example: '0b6f3c1e-8a52-4d5e-9a51-2f1f2f6c9e10' }) requestId?: string;
  @ApiProperty({
    example: true,
    description:
      "Whether the event's period was already invoiced: the difference is billed as an adjustment",
  })
  periodClosed: boolean;
}

export class UsageEventViewDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'req-7f3a' }) eventId: string;
  @ApiProperty({ example: '/api/export' }) endpoint: string;
  @ApiProperty({ example: '2026-11-24T10:00:00.000Z' }) timestamp: string;
  @ApiProperty({ example: '2026-11', description: 'The period the event is billed in' })
  period: string;
  @ApiProperty({ example: '2026-11-24T10:00:00.120Z' }) ingestedAt: string;
  @ApiProperty({ example: '25', description: 'As recorded at ingest' }) originalQuantity: string;
  @ApiProperty({ example: '2.5', description: 'What the event counts for now ("0" once voided)' })
  quantity: string;
  @ApiProperty({ example: false }) voided: boolean;
  @ApiProperty({ type: [UsageCorrectionDto], description: 'Oldest first' })
  corrections: UsageCorrectionDto[];
}
