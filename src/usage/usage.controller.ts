import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../common/auth/auth.decorators';
import { ValidationFailed } from '../common/errors/domain-error';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import {
  BatchResponseDto,
  IngestResponseDto,
  UsageBatchDto,
  UsageEventDto,
  UsageQueryDto,
  UsageReportDto,
} from './usage.dto';
import { BatchTooLarge, UsageRejected } from './usage.errors';
import { USAGE_RULES } from './usage-rules';
import { UsageQueryService, type UsageReport } from './usage-query.service';
import { UsageService } from './usage.service';
import type { IngestError } from './usage.model';

@ApiTags('usage')
@Controller('v1')
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly queries: UsageQueryService,
  ) {}

  @Post('usage')
  @RequireScope('ingest')
  @ApiOperation({
    operationId: 'recordUsage',
    summary: 'Record one usage event: 201 when new, 200 {duplicate:true} when already counted',
    description:
      'Customer + eventId is counted once, forever. The same eventId with a different endpoint, quantity or timestamp is a 409 `EVENT_ID_CONFLICT`. Over the daily limit: 429 with `Retry-After` for today, 422 for a past day (its total never resets). A customer with `creditPolicy.overdraft: block` whose usage would spend more prepaid credit than it has: 402 `INSUFFICIENT_CREDIT`. A customer with a threshold invoice unpaid longer than the `blockWhenUnpaidAfter` of its billing thresholds: 402 `THRESHOLD_INVOICE_UNPAID`.',
  })
  @ApiBody({ type: UsageEventDto })
  @ApiCreatedResponse({
    type: IngestResponseDto,
    description: 'Counted',
    example: { eventId: 'req-7f3a', duplicate: false },
  })
  @ApiOkResponse({
    type: IngestResponseDto,
    description: 'Already counted (same customer and eventId, same event): nothing changed',
    example: { eventId: 'req-7f3a', duplicate: true },
  })
  @ApiErrors({
    400: ['INVALID_USAGE'],
    402: ['INSUFFICIENT_CREDIT', 'THRESHOLD_INVOICE_UNPAID'],
    409: ['EVENT_ID_CONFLICT'],
    422: ['UNKNOWN_CUSTOMER', 'CUSTOMER_ARCHIVED', 'PERIOD_CLOSED', 'USAGE_LIMIT_EXCEEDED'],
    429: ['USAGE_LIMIT_EXCEEDED'],
  })
  async track(
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<IngestResponseDto> {
    const [outcome] = await this.usage.ingest([body]);
    if (outcome.status === 'rejected') throw new UsageRejected(outcome.error!);
    const duplicate = outcome.status === 'duplicate';
    res.status(duplicate ? 200 : 201);
    return { eventId: outcome.eventId, duplicate };
  }

  @Post('usage/batch')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    operationId: 'recordUsageBatch',
    summary: 'Record up to 1,000 events; each is accepted, duplicate or rejected',
    description:
      "Each event gets the outcome it would get alone, in `results[index]`; a rejected event carries the error code `POST /v1/usage` would answer (e.g. `EVENT_ID_CONFLICT`, `USAGE_LIMIT_EXCEEDED`). Events of one customer-day are accepted in arrival order while they fit the day's limit.",
  })
  @ApiBody({ type: UsageBatchDto })
  @ApiOkResponse({ type: BatchResponseDto, description: 'The outcome of every event' })
  @ApiErrors({ 413: ['BATCH_TOO_LARGE'] })
  async trackBatch(@Body() body: Record<string, unknown>): Promise<BatchResponseDto> {
    const extra = Object.keys(body).filter((k) => k !== 'events');
    if (!Array.isArray(body.events) || extra.length > 0) {
      throw new ValidationFailed([
        ...(Array.isArray(body.events)
          ? []
          : [{ field: 'events', messages: ['events must be an array'] }]),
        ...extra.map((k) => ({ field: k, messages: [`${k} is not allowed`] })),
      ]);
    }
    const events = body.events as unknown[];
    if (events.length === 0) {
      throw new ValidationFailed([{ field: 'events', messages: ['events must not be empty'] }]);
    }
    if (events.length > USAGE_RULES.maxBatchSize) {
      throw new BatchTooLarge(events.length, USAGE_RULES.maxBatchSize);
    }
    const outcomes = await this.usage.ingest(events);
    const count = (status: string) => outcomes.filter((o) => o.status === status).length;
    return {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      results: outcomes.map((o, index) => ({ index, ...o, error: publicError(o.error) })),
    };
  }

  @Get('customers/:id/usage')
  @ApiOperation({
    operationId: 'getCustomerUsage',
    summary: "A customer's usage in [from, to), optionally grouped by day or endpoint",
    description: 'Cached until new usage arrives; `Cache-Control: no-cache` forces a fresh read.',
  })
  @ApiOkResponse({ type: UsageReportDto, description: 'Totals and groups' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  report(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: UsageQueryDto,
    @Headers('cache-control') cacheControl?: string,
  ): Promise<UsageReport> {
    return this.queries.report(id, query, { fresh: /no-cache/i.test(cacheControl ?? '') });
  }
}

/** The rejection as the API shows it (the HTTP kind a gate set stays inside). */
function publicError(error: IngestError | undefined) {
  if (!error) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { kind, ...shown } = error;
  return shown;
}
