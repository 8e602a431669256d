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
  @ApiProperty({ example: false, description: 'True when this event id was delivered before' })
  duplicate: boolean;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES, example: 'processed' }) status: WebhookEventStatus;
}

export class ListWebhookEventsQuery extends PageQueryDto {
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES })
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status: WebhookEventStatus;
}

export class WebhookEventResultDto {
  @ApiPropertyOptional({ example: 'acme' }) customerId?: string;
  @ApiPropertyOptional({ example: 'inv_acme_2026-03' }) invoiceId?: string;
  @ApiPropertyOptional({ example: 'pi_3Q2w3E4r' }) paymentId?: string;
  @ApiProperty({ example: ['invoice inv_acme_2026-03: open → paid'] }) changes: string[];
}

export class WebhookEventResponse {
  @ApiProperty({ example: 'evt_1Q2w3E4r' }) id: string;
  @ApiProperty({ example: 'invoice.paid' }) type: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES, example: 'processed' }) status: WebhookEventStatus;
  @ApiProperty({ example: false }) livemode: boolean;
  @ApiProperty({ nullable: true, type: String, example: '2025-03-31.basil' }) apiVersion:
    string | null;
  @ApiProperty({ example: '2026-11-24T10:00:00.000Z', description: "Stripe's event time" })
  createdAt: string;
  @ApiProperty({ example: '2026-11-24T10:00:01.000Z', description: 'First delivery' })
  receivedAt: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: '2026-11-24T10:00:01.000Z' }) lastAttemptAt: string;
  @ApiPropertyOptional({ example: '2026-11-24T10:00:01.200Z' }) processedAt?: string;
  @ApiPropertyOptional({ example: '2026-11-24T10:00:01.200Z' }) failedAt?: string;
  @ApiPropertyOptional({
    example: 'no customer of ours is linked to cus_Q2w3E4r',
    description: 'Why the event was ignored',
  })
  reason?: string;
  @ApiPropertyOptional({
    example: 'StoreUnavailable: The data store is unavailable; retry shortly',
    description: 'Why the last run failed',
  })
  error?: string;
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
  @ApiProperty({ nullable: true, type: String, example: 'eyJwayI6IkNVU1RPTUVSI2FjbWUifQ' })
  nextCursor: string | null;
}
