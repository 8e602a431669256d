import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../../common/openapi';
import { BillingRunResponse, StartBillingRunDto } from './billing-run.dto';
import { BillingRunService, type BillingRunView } from './billing-run.service';

@ApiTags('billing runs')
@Controller('v1/billing-runs')
export class BillingRunController {
  constructor(private readonly runs: BillingRunService) {}

  /**
   * 202 whether this call started a pass or one was already in progress (on any instance): in
   * both cases the run is under way and the body shows it. 200 with the run when it had already
   * completed: nothing is started. Repeating the call is safe.
   */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'startBillingRun',
    summary:
      'Close a period: invoice and finalize every active customer in the background (202 with the run; also 202 when a run is already in progress; 200 with the finished run when it has completed, starting nothing; 422 PERIOD_NOT_ENDED)',
  })
  @ApiAcceptedResponse({
    type: BillingRunResponse,
    description: 'A pass is under way (started by this call or already running): poll the run',
  })
  @ApiOkResponse({
    type: BillingRunResponse,
    description: 'The run had already finished: nothing started, the finished run as it is',
  })
  @ApiErrors({ 422: ['PERIOD_NOT_ENDED'], 503: ['SHUTTING_DOWN'] })
  async start(
    @Body() body: StartBillingRunDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<BillingRunView> {
    const run = await this.runs.start(body.period, 'api');
    // A completed run is answered as it is: nothing was started, so not "accepted".
    if (run.status === 'completed') res.status(200);
    return run;
  }

  @Get(':period')
  @ApiOperation({
    operationId: 'getBillingRun',
    summary: "A period's billing run: status, counts and failures",
  })
  @ApiOkResponse({ type: BillingRunResponse, description: 'The run' })
  @ApiErrors({ 404: ['BILLING_RUN_NOT_FOUND'], 503: ['SHUTTING_DOWN'] })
  get(@Param('period') period: string): Promise<BillingRunView> {
    // A malformed period is a 400 from parsePeriod, not a lookup.
    return this.runs.get(period);
  }
}
