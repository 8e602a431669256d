import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/auth.decorators';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import { ChargesService, type ChargesJson } from './charges.service';
import {
  ChargesQueryDto,
  ChargesResponseDto,
  QuoteRequestDto,
  QuoteResponseDto,
} from './quote.dto';
import { QuoteService, type QuoteJson } from './quote.service';
import type { ChargesExplanation } from './charge-explanation';
import { ChargesExplanationDto } from './explain.dto';

@ApiTags('pricing')
@Controller('v1')
export class PricingController {
  constructor(
    private readonly quotes: QuoteService,
    private readonly charges: ChargesService,
  ) {}

  @Post('pricing/quote')
  @HttpCode(200)
  @RequireScope('read')
  @ApiOperation({
    operationId: 'quotePrice',
    summary: 'Price a usage map with a plan id or an inline plan document',
  })
  @ApiBody({ type: QuoteRequestDto })
  @ApiOkResponse({ type: QuoteResponseDto, description: 'The charge breakdown' })
  @ApiErrors({
    400: ['INVALID_PLAN', 'INVALID_PRICING_INPUT', 'INVALID_DECIMAL', 'UNKNOWN_CURRENCY'],
    422: ['UNKNOWN_PLAN'],
  })
  quote(@Body() body: Record<string, unknown>): Promise<QuoteJson> {
    return this.quotes.quote(body);
  }

  @Get('customers/:id/charges/explain')
  @ApiOperation({
    operationId: 'explainCustomerCharges',
    summary: "Why a customer's charges for a period are what they are",
    description:
      'Every line with its plan version and when it was in force, the arithmetic written out, and the usage behind it as day totals per endpoint (adding up exactly to the line) with the usage read for each day. Base-fee proration and the minimum top-up are explained the same way.',
  })
  @ApiOkResponse({ type: ChargesExplanationDto, description: 'The explanation' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  explain(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ChargesQueryDto,
  ): Promise<ChargesExplanation> {
    return this.charges.explain(id, query.period);
  }

  @Get('customers/:id/charges')
  @ApiOperation({
    operationId: 'getCustomerCharges',
    summary: "A customer's charges for a period so far, with the plan version(s) in force",
  })
  @ApiOkResponse({ type: ChargesResponseDto, description: 'The charge breakdown so far' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  forCustomer(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ChargesQueryDto,
  ): Promise<ChargesJson> {
    return this.charges.forPeriod(id, query.period);
  }
}
