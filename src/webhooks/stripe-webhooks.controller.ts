import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Injectable,
  Param,
  PipeTransform,
  Post,
  Query,
  type RawBodyRequest,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public, RequireScope } from '../common/auth/auth.decorators';
import { checkRouteId, MAX_ID_LENGTH } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import { StripeWebhooksService } from './stripe-webhooks.service';
import {
  ListWebhookEventsQuery,
  WebhookDeliveryResponse,
  WebhookEventListResponse,
  WebhookEventResponse,
} from './webhook.dto';

@Injectable()
class EventIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    // Any well-formed id is looked up (404 when unknown), not only Stripe's `evt_…` shape.
    return checkRouteId(value, MAX_ID_LENGTH.stripeEvent);
  }
}

@ApiTags('webhooks')
@Controller('v1/webhooks/stripe')
export class StripeWebhooksController {
  constructor(private readonly webhooks: StripeWebhooksService) {}

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary:
      'Stripe webhook endpoint: verified by its signature (no API key), stored, processed once',
    description:
      '400 INVALID_SIGNATURE for a missing, wrong or older than 5 minutes signature (nothing stored); 503 WEBHOOKS_NOT_CONFIGURED without STRIPE_WEBHOOK_SECRET; 500/503 when processing failed (the event is stored as failed and runs again when Stripe redelivers it).',
  })
  @ApiHeader({
    name: 'Stripe-Signature',
    required: true,
    description: "Stripe's signature of the raw body",
    schema: {
      type: 'string',
      example: 't=1764000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
    },
  })
  @ApiBody({
    description: 'A Stripe event, exactly as Stripe sent it (the signature covers the raw bytes)',
    schema: {
      type: 'object',
      additionalProperties: true,
      required: ['id', 'type', 'created', 'data'],
      properties: {
        id: { type: 'string', example: 'evt_1Q2w3E4r' },
        type: { type: 'string', example: 'invoice.paid' },
        created: { type: 'integer', example: 1764000000 },
        data: {
          type: 'object',
          additionalProperties: true,
          example: { object: { id: 'in_1Q2w3E' } },
        },
      },
    },
  })
  @ApiOkResponse({
    type: WebhookDeliveryResponse,
    description: 'Stored (or already stored) and processed',
  })
  @ApiErrors({
    400: ['INVALID_SIGNATURE', 'INVALID_EVENT'],
    500: ['INTERNAL_ERROR'],
    503: ['WEBHOOKS_NOT_CONFIGURED', 'STORE_UNAVAILABLE'],
  })
  receive(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Headers('stripe-signature') signature: unknown,
  ): Promise<WebhookDeliveryResponse> {
    return this.webhooks.receive(req.rawBody, signature);
  }

  @Get('events')
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'listWebhookEvents',
    summary: 'Stored webhook events of one status, newest first',
  })
  @ApiOkResponse({ type: WebhookEventListResponse, description: 'A page of stored events' })
  @ApiErrors({ 400: ['INVALID_CURSOR'] })
  async list(@Query() query: ListWebhookEventsQuery): Promise<WebhookEventListResponse> {
    const page = await this.webhooks.list(query.status, query.limit ?? 20, query.cursor);
    return {
      data: page.entries.map((e) => WebhookEventResponse.from(e)),
      nextCursor: page.nextCursor,
    };
  }

  @Get('events/:id')
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'getWebhookEvent',
    summary: 'One stored webhook event, with the Stripe event as received',
  })
  @ApiOkResponse({ type: WebhookEventResponse, description: 'The stored event' })
  @ApiErrors({ 404: ['WEBHOOK_EVENT_NOT_FOUND'] })
  async get(@Param('id', EventIdPipe) id: string): Promise<WebhookEventResponse> {
    return WebhookEventResponse.from(await this.webhooks.get(id), true);
  }

  @Post('events/:id/replay')
  @RequireScope('admin')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'replayWebhookEvent',
    summary: 'Run a stored event again; the answer is the entry afterwards (check its status)',
    description:
      'Handlers only move state forward, so replaying a processed event changes nothing already applied (it emits billing.webhook.processed again, marked replayed). 409 WEBHOOK_EVENT_IN_PROGRESS while a delivery is processing it.',
  })
  @ApiOkResponse({ type: WebhookEventResponse, description: 'The stored event after the run' })
  @ApiErrors({ 404: ['WEBHOOK_EVENT_NOT_FOUND'], 409: ['WEBHOOK_EVENT_IN_PROGRESS'] })
  async replay(@Param('id', EventIdPipe) id: string): Promise<WebhookEventResponse> {
    return WebhookEventResponse.from(await this.webhooks.replay(id));
  }
}
