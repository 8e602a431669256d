import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { BillingRunResponse, StartBillingRunDto } from './billing-run.dto';
import { BillingRunService, type BillingRunView } from './billing-run.service';

@ApiTags('billing runs')
@ApiBearerAuth()
@Controller('v1/billing-runs')
export class BillingRunController {
  constructor(private readonly runs: BillingRunService) {}

  /**
   * 202 whether this call started a pass or one was already in progress (on any instance): in
   * both cases the run is under way and the body shows it. Repeating the call is safe.
   */
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Close a period: invoice and finalize every active customer in the background (202 with the run; also 202 when a run is already in progress; 422 PERIOD_NOT_ENDED)',
  })
  @ApiAcceptedResponse({ type: BillingRunResponse })
  start(@Body() body: StartBillingRunDto): Promise<BillingRunView> {
    return this.runs.start(body.period, 'api');
  }

  @Get(':period')
  @ApiOperation({ summary: "A period's billing run: status, counts and failures" })
  @ApiOkResponse({ type: BillingRunResponse })
  get(@Param('period') period: string): Promise<BillingRunView> {
    // A malformed period is a 400 from parsePeriod, not a lookup.
    return this.runs.get(period);
  }
}
