import { Controller, Get, Query } from '@nestjs/common';
import {
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
import { ApiErrors } from '../common/openapi';
import { IsDateOrInstant } from '../common/http/validators';
import { Clock } from '../common/time/clock';
import { parseInstant } from '../common/time/instant';
import { AUDIT_ENTITY_TYPES, AUDIT_RETENTION_DAYS, type AuditRecord } from './audit.model';
import { AuditService } from './audit.service';

const ENTITY_TYPES = [...AUDIT_ENTITY_TYPES];

export class AuditQueryDto {
  @ApiPropertyOptional({ enum: ENTITY_TYPES })
  @IsOptional()
  @IsIn(ENTITY_TYPES)
  entityType?: string;

  @ApiPropertyOptional({
    example: 'acme',
    description:
      'Needs entityType; a credit grant is `<customerId>:<grantId>`, a usage event `<customerId>:<eventId>`',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,193}$/)
  entityId?: string;

  @ApiPropertyOptional({
    example: '2026-11-01',
    description: 'Inclusive; YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a zone',
  })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01',
    description: 'Exclusive; YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a zone',
  })
  @IsOptional()
  @IsDateOrInstant()
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
  @ApiProperty({ example: '01JD8X3Q4Z6V7W8Y9A0B1C2D3E' }) id: string;
  @ApiProperty({ example: '2026-11-24T10:00:00.000Z' }) at: string;
  @ApiProperty({ example: { type: 'api_key', name: 'ops' } }) actor: object;
  @ApiPropertyOptional({ example: '0b6f3c1e-8a52-4d5e-9a51-2f1f2f6c9e10' }) requestId?: string;
  @ApiProperty({ example: 'customer.update' }) operation: string;
  @ApiProperty({ enum: ENTITY_TYPES, example: 'customer' }) entityType: string;
  @ApiProperty({ example: 'acme' }) entityId: string;
  @ApiPropertyOptional({ description: 'Redacted state before the change' }) before?: object;
  @ApiPropertyOptional({ description: 'Redacted state after the change' }) after?: object;
}

export class AuditListDto {
  @ApiProperty({ type: [AuditRecordDto] }) data: AuditRecordDto[];
  @ApiProperty({ nullable: true, type: String, example: 'eyJwayI6IkNVU1RPTUVSI2FjbWUifQ' })
  nextCursor: string | null;
}

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @RequireScope('admin')
  @ApiOperation({ operationId: 'listAuditRecords', summary: 'Audit records, newest first (admin)' })
  @ApiOkResponse({ type: AuditListDto, description: 'A page of audit records' })
  @ApiErrors({ 400: ['INVALID_CURSOR'] })
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
    // [from, to) as on every route; the repository reads an inclusive range, hence to - 1 ms.
    const from = q.from ? parseInstant(q.from, 'from').toISOString() : oldest;
    const to = q.to ? new Date(parseInstant(q.to, 'to').getTime() - 1).toISOString() : newest;
    if (from > to)
      throw new ValidationFailed([{ field: 'to', messages: ['to must be after from'] }]);
    // Without an entity the repository reads month by month from `to` back to `from`: unclamped,
    // `to=9999-12-31` or `from=0001-01-01` meant tens of thousands of queries for one request.
    // Nothing outlives the retention (TTL) or is stamped in the future, so the clamp loses nothing.
    const range = { from: from < oldest ? oldest : from, to: to > newest ? newest : to };
    if (range.from > range.to) return { data: [], nextCursor: null };
    const page = await this.audit.query({
      entityType: q.entityType,
      entityId: q.entityId,
      ...range,
      limit: q.limit ?? 50,
      cursor: q.cursor,
    });
    return { data: page.records, nextCursor: page.nextCursor };
  }
}
