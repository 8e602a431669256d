import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import { AmendUsageEventDto, UsageEventViewDto, VoidUsageEventDto } from './usage.dto';
import {
  type CorrectionResult,
  UsageCorrectionsService,
  type UsageEventView,
} from './usage-corrections.service';
import { UsageEventIdPipe } from './usage-event-id.pipe';

const CORRECTED = 'The correction was recorded: the event with all its corrections';
const UNCHANGED = 'The event already was as asked (a repeated call): nothing changed';

@ApiTags('usage')
@Controller('v1/customers/:id/usage/:eventId')
export class UsageCorrectionsController {
  constructor(private readonly corrections: UsageCorrectionsService) {}

  @Get()
  @ApiOperation({
    operationId: 'getUsageEvent',
    summary: 'One recorded usage event with its corrections (original and current quantity)',
  })
  @ApiOkResponse({ type: UsageEventViewDto, description: 'The event' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'USAGE_EVENT_NOT_FOUND'] })
  get(
    @Param('id', ResourceIdPipe) id: string,
    @Param('eventId', UsageEventIdPipe) eventId: string,
  ): Promise<UsageEventView> {
    return this.corrections.view(id, eventId);
  }

  @Post('void')
  @ApiOperation({
    operationId: 'voidUsageEvent',
    summary: 'Void a recorded event: 201 when voided now, 200 when it already was',
    description:
      "The event is kept and a correction recorded; the day and endpoint totals lose its quantity and its count at once (an invoiced period gets an adjustment on the customer's next invoice). Not subject to the daily limit.",
  })
  @ApiCreatedResponse({ type: UsageEventViewDto, description: CORRECTED })
  @ApiOkResponse({ type: UsageEventViewDto, description: UNCHANGED })
  @ApiErrors({
    404: ['CUSTOMER_NOT_FOUND', 'USAGE_EVENT_NOT_FOUND'],
    409: ['CONCURRENT_MODIFICATION'],
  })
  async void(
    @Param('id', ResourceIdPipe) id: string,
    @Param('eventId', UsageEventIdPipe) eventId: string,
    @Body() body: VoidUsageEventDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<UsageEventView> {
    return answer(await this.corrections.void(id, eventId, body.reason), res);
  }

  @Post('amend')
  @ApiOperation({
    operationId: 'amendUsageEvent',
    summary: 'Give a recorded event another quantity: 201 when changed, 200 when it had it',
    description:
      "The event is kept and a correction recorded; the day and endpoint totals move by the difference at once (an invoiced period gets an adjustment on the customer's next invoice). Not subject to the daily limit. A voided event cannot be amended (409 `USAGE_EVENT_VOIDED`).",
  })
  @ApiCreatedResponse({ type: UsageEventViewDto, description: CORRECTED })
  @ApiOkResponse({ type: UsageEventViewDto, description: UNCHANGED })
  @ApiErrors({
    404: ['CUSTOMER_NOT_FOUND', 'USAGE_EVENT_NOT_FOUND'],
    409: ['USAGE_EVENT_VOIDED', 'CONCURRENT_MODIFICATION'],
  })
  async amend(
    @Param('id', ResourceIdPipe) id: string,
    @Param('eventId', UsageEventIdPipe) eventId: string,
    @Body() body: AmendUsageEventDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<UsageEventView> {
    return answer(await this.corrections.amend(id, eventId, body.quantity, body.reason), res);
  }
}

function answer(result: CorrectionResult, res: FastifyReply): UsageEventView {
  res.status(result.corrected ? 201 : 200);
  return result.event;
}
