import { Body, Controller, Delete, Get, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors, ApiTag } from '../common/openapi';
import { AlertListResponse, AlertResponse, CreateAlertDto } from './alert.dto';
import { AlertsService, type AlertView } from './alerts.service';

const response = (v: AlertView) => AlertResponse.from(v.alert, v.windowId, v.triggers);

@ApiTag('alerts', 'Usage, spend and credit balance alerts: each threshold fires once per window')
@Controller('v1/customers/:id/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createAlert',
    summary: 'Create an alert (201), or return the same alert again for its alertId (200)',
  })
  @ApiCreatedResponse({ type: AlertResponse, description: 'The new alert' })
  @ApiOkResponse({
    type: AlertResponse,
    description: 'The alert this alertId already names, with the same body',
  })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'], 409: ['ALERT_CONFLICT'] })
  async create(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: CreateAlertDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<AlertResponse> {
    const { view, created } = await this.alerts.create(id, body);
    res.status(created ? 201 : 200);
    return response(view);
  }

  @Get()
  @ApiOperation({
    operationId: 'listAlerts',
    summary: "A customer's alerts by alertId, with each threshold's state in the current window",
  })
  @ApiOkResponse({ type: AlertListResponse, description: 'Every alert of the customer' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  async list(@Param('id', ResourceIdPipe) id: string): Promise<AlertListResponse> {
    return { data: (await this.alerts.list(id)).map(response) };
  }

  @Get(':alertId')
  @ApiOperation({ operationId: 'getAlert', summary: 'Get an alert with its threshold states' })
  @ApiOkResponse({ type: AlertResponse, description: 'The alert' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'ALERT_NOT_FOUND'] })
  async get(
    @Param('id', ResourceIdPipe) id: string,
    @Param('alertId', ResourceIdPipe) alertId: string,
  ): Promise<AlertResponse> {
    return response(await this.alerts.get(id, alertId));
  }

  @Delete(':alertId')
  @ApiOperation({
    operationId: 'deleteAlert',
    summary: 'Delete an alert and its firings; answers the alert as it was (200)',
  })
  @ApiOkResponse({ type: AlertResponse, description: 'The deleted alert' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'ALERT_NOT_FOUND'] })
  async delete(
    @Param('id', ResourceIdPipe) id: string,
    @Param('alertId', ResourceIdPipe) alertId: string,
  ): Promise<AlertResponse> {
    return response(await this.alerts.delete(id, alertId));
  }
}
