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
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, RequireScope } from '../common/auth/auth.decorators';
import { checkRouteId } from '../common/http/resource-id.pipe';
import { STRIPE_EVENT_ID } from './stripe-event';
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
    return checkRouteId(value, STRIPE_EVENT_ID, 'Stripe event id');
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
    summary:
      'Stripe webhook endpoint: verified by its signature (no API key), stored, processed once',
    description:
      '400 INVALID_SIGNATURE for a missing, wrong or older than 5 minutes signature (nothing stored); 503 WEBHOOKS_NOT_CONFIGURED without STRIPE_WEBHOOK_SECRET; 500/503 when processing failed (the event is stored as failed and runs again when Stripe redelivers it).',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('stripe-signature') signature: unknown,
  ): Promise<WebhookDeliveryResponse> {
    return this.webhooks.receive(req.rawBody, signature);
  }

  @Get('events')
  @RequireScope('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Stored webhook events of one status, newest first' })
  @ApiOkResponse({ type: WebhookEventListResponse })
  async list(@Query() query: ListWebhookEventsQuery): Promise<WebhookEventListResponse> {
    const page = await this.webhooks.list(query.status, query.limit ?? 20, query.cursor);
    return {
      data: page.entries.map((e) => WebhookEventResponse.from(e)),
      nextCursor: page.nextCursor,
    };
  }

  @Get('events/:id')
  @RequireScope('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'One stored webhook event, with the Stripe event as received' })
  @ApiOkResponse({ type: WebhookEventResponse })
  async get(@Param('id', EventIdPipe) id: string): Promise<WebhookEventResponse> {
    return WebhookEventResponse.from(await this.webhooks.get(id), true);
  }

  @Post('events/:id/replay')
  @RequireScope('admin')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Run a stored event again; the answer is the entry afterwards (check its status)',
    description:
      'Handlers only move state forward, so replaying a processed event changes nothing already applied (it emits billing.webhook.processed again, marked replayed). 409 WEBHOOK_EVENT_IN_PROGRESS while a delivery is processing it.',
  })
  @ApiOkResponse({ type: WebhookEventResponse })
  async replay(@Param('id', EventIdPipe) id: string): Promise<WebhookEventResponse> {
    return WebhookEventResponse.from(await this.webhooks.replay(id));
  }
}
