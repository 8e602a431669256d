import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import {
  WEBHOOK_EVENT_STATUSES,
  type WebhookEventEntry,
  type WebhookEventStatus,
} from './webhook-event.model';

export class WebhookDeliveryResponse {
  @ApiProperty({ example: true }) received: true;
  @ApiProperty({ description: 'True when this event id was delivered before' })
  duplicate: boolean;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES }) status: WebhookEventStatus;
}

export class ListWebhookEventsQuery extends PageQueryDto {
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES })
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status: WebhookEventStatus;
}

export class WebhookEventResultDto {
  @ApiPropertyOptional() customerId?: string;
  @ApiPropertyOptional() invoiceId?: string;
  @ApiPropertyOptional() paymentId?: string;
  @ApiProperty({ example: ['invoice inv_acme_2026-03: open → paid'] }) changes: string[];
}

export class WebhookEventResponse {
  @ApiProperty({ example: 'evt_1Q2w3E4r' }) id: string;
  @ApiProperty({ example: 'invoice.paid' }) type: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES }) status: WebhookEventStatus;
  @ApiProperty() livemode: boolean;
  @ApiProperty({ nullable: true, type: String }) apiVersion: string | null;
  @ApiProperty({ description: "Stripe's event time" }) createdAt: string;
  @ApiProperty({ description: 'First delivery' }) receivedAt: string;
  @ApiProperty() attempts: number;
  @ApiProperty() lastAttemptAt: string;
  @ApiPropertyOptional() processedAt?: string;
  @ApiPropertyOptional() failedAt?: string;
  @ApiPropertyOptional({ description: 'Why the event was ignored' }) reason?: string;
  @ApiPropertyOptional({ description: 'Why the last run failed' }) error?: string;
  @ApiPropertyOptional({ type: WebhookEventResultDto }) result?: WebhookEventResultDto;
  @ApiPropertyOptional({ description: 'The Stripe event as received (single-event reads)' })
  event?: object;

  static from(entry: WebhookEventEntry, withEvent = false): WebhookEventResponse {
    return Object.assign(new WebhookEventResponse(), {
      id: entry.id,
      type: entry.eventType,
      status: entry.status,
      livemode: entry.livemode,
      apiVersion: entry.apiVersion,
      createdAt: entry.createdAt,
      receivedAt: entry.receivedAt,
      attempts: entry.attempts,
      lastAttemptAt: entry.lastAttemptAt,
      processedAt: entry.processedAt,
      failedAt: entry.failedAt,
      reason: entry.reason,
      error: entry.error,
      result: entry.result,
      ...(withEvent ? { event: JSON.parse(entry.payload) as object } : {}),
    });
  }
}

export class WebhookEventListResponse {
  @ApiProperty({ type: [WebhookEventResponse] }) data: WebhookEventResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
