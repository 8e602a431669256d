import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { RequireScope } from '../common/auth/auth.decorators';
import { ValidationFailed } from '../common/errors/domain-error';
import { Clock } from '../common/time/clock';
import { AUDIT_RETENTION_DAYS, type AuditRecord } from './audit.model';
import { AuditService } from './audit.service';

const ENTITY_TYPES = ['customer', 'plan', 'invoice', 'payment', 'webhook', 'billing_run'];
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class AuditQueryDto {
  @ApiPropertyOptional({ enum: ENTITY_TYPES })
  @IsOptional()
  @IsIn(ENTITY_TYPES)
  entityType?: string;

  @ApiPropertyOptional({ example: 'acme', description: 'Needs entityType' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/)
  entityId?: string;

  @ApiPropertyOptional({ example: '2026-11-01', description: 'Inclusive; date or date-time' })
  @IsOptional()
  @Matches(INSTANT)
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30T23:59:59Z', description: 'Inclusive' })
  @IsOptional()
  @Matches(INSTANT)
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

export class AuditRecordDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: '2026-11-24T10:00:00.000Z' }) at: string;
  @ApiProperty({ example: { type: 'api_key', name: 'ops' } }) actor: object;
  @ApiPropertyOptional() requestId?: string;
  @ApiProperty({ example: 'customer.update' }) operation: string;
  @ApiProperty({ enum: ENTITY_TYPES }) entityType: string;
  @ApiProperty({ example: 'acme' }) entityId: string;
  @ApiPropertyOptional({ description: 'Redacted state before the change' }) before?: object;
  @ApiPropertyOptional({ description: 'Redacted state after the change' }) after?: object;
}

export class AuditListDto {
  @ApiProperty({ type: [AuditRecordDto] }) data: AuditRecordDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

function toIso(value: string, endOfDay: boolean, field: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  // INSTANT admits impossible values ("2026-13-45T99:99Z"): a 400, not a RangeError (500).
  if (Number.isNaN(date.getTime())) {
    throw new ValidationFailed([
      { field, messages: [`${field} is not a valid date or date-time`] },
    ]);
  }
  return dateOnly ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : date.toISOString();
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @RequireScope('admin')
  @ApiOperation({ summary: 'Audit records, newest first (admin)' })
  @ApiOkResponse({ type: AuditListDto })
  async list(
    @Query() q: AuditQueryDto,
  ): Promise<{ data: AuditRecord[]; nextCursor: string | null }> {
    if (q.entityId && !q.entityType) {
      throw new ValidationFailed([
        { field: 'entityType', messages: ['entityType is required with entityId'] },
      ]);
    }
    const now = this.clock.now();
    const oldest = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
    // A day of slack for records stamped by an instance whose clock runs ahead of ours.
    const newest = new Date(now.getTime() + 86_400_000).toISOString();
    const to = q.to ? toIso(q.to, true, 'to') : now.toISOString();
    const from = q.from ? toIso(q.from, false, 'from') : oldest;
    if (from > to)
      throw new ValidationFailed([{ field: 'from', messages: ['from must not be after to'] }]);
    // Without an entity the repository reads month by month from `to` back to `from`: unclamped,
    // `to=9999-12-31` or `from=0001-01-01` meant tens of thousands of queries for one request.
    // Nothing outlives the retention (TTL) or is stamped in the future, so the clamp loses nothing.
    const page = await this.audit.query({
      entityType: q.entityType,
      entityId: q.entityId,
      from: from < oldest ? oldest : from,
      to: to > newest ? newest : to,
      limit: q.limit ?? 50,
      cursor: q.cursor,
    });
    return { data: page.records, nextCursor: page.nextCursor };
  }
}
