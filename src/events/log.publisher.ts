import { Logger } from '@nestjs/common';
import type { BillingEvent } from './billing-event.model';
import { EVENT_SOURCE } from './billing-event.model';
import { EventPublisher, type PublishResult, type PublisherStatus } from './event-publisher';

/**
 * Used when no `EVENTBRIDGE_BUS` is configured (development, tests): each event becomes one
 * structured log line and counts as delivered, so the outbox still drains.
 */
export class LogPublisher extends EventPublisher {
  private readonly logger = new Logger('BillingEvents');

  async publish(events: BillingEvent[]): Promise<PublishResult> {
    for (const event of events) {
      this.logger.log({
        msg: `billing event ${event.type} (no EVENTBRIDGE_BUS: logged, not sent)`,
        source: EVENT_SOURCE,
        eventId: event.eventId,
        type: event.type,
        occurredAt: event.occurredAt,
        customerId: event.customerId,
        data: event.data,
      });
    }
    return { failed: [] };
  }

  status(): PublisherStatus {
    return { target: 'log', breaker: 'closed' };
  }
}
