import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../common/auth/auth.decorators';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors, ApiTag } from '../common/openapi';
import { BillingThresholdsResponse, PutBillingThresholdsDto } from './billing-thresholds.dto';
import { BillingThresholdsService } from './billing-thresholds.service';

@ApiTag(
  'billing-thresholds',
  'Progressive billing: an invoice as soon as the usage spend of the period reaches a threshold',
)
@Controller('v1/customers/:id/billing-thresholds')
export class BillingThresholdsController {
  constructor(private readonly thresholds: BillingThresholdsService) {}

  @Put()
  @ApiOperation({
    operationId: 'putBillingThresholds',
    summary: "Set the customer's billing thresholds (201 when new, 200 when replaced)",
  })
  @ApiCreatedResponse({ type: BillingThresholdsResponse, description: 'The new thresholds' })
  @ApiOkResponse({ type: BillingThresholdsResponse, description: 'The thresholds, replaced' })
  @ApiErrors({ 400: ['VALIDATION_FAILED'], 404: ['CUSTOMER_NOT_FOUND'] })
  async put(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: PutBillingThresholdsDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<BillingThresholdsResponse> {
    const { view, created } = await this.thresholds.put(id, body);
    res.status(created ? 201 : 200);
    return BillingThresholdsResponse.from(view);
  }

  @Get()
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'getBillingThresholds',
    summary: "The customer's billing thresholds and the current period's threshold invoices",
  })
  @ApiOkResponse({ type: BillingThresholdsResponse, description: 'The thresholds' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'BILLING_THRESHOLDS_NOT_FOUND'] })
  async get(@Param('id', ResourceIdPipe) id: string): Promise<BillingThresholdsResponse> {
    return BillingThresholdsResponse.from(await this.thresholds.get(id));
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteBillingThresholds',
    summary: 'Remove the thresholds (invoices already issued stay)',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'BILLING_THRESHOLDS_NOT_FOUND'] })
  async delete(@Param('id', ResourceIdPipe) id: string): Promise<void> {
    await this.thresholds.delete(id);
  }
}
