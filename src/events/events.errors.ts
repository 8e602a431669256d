import { DomainError } from '../common/errors/domain-error';

/**
 * The events of one change do not fit in one outbox item. The caller splits its change (for
 * usage: fewer events per transaction); nothing was stored.
 */
export class OutboxBatchTooLarge extends DomainError {
  constructor(events: number, bytes: number, limit: number) {
    super(
      'OUTBOX_BATCH_TOO_LARGE',
      'too_large',
      `${events} events need about ${bytes} bytes in the outbox; one item holds at most ${limit}`,
      { events, bytes, limit },
    );
  }
}

/** One event is larger than EventBridge accepts (256 KiB); it could never be published. */
export class EventTooLarge extends DomainError {
  constructor(eventId: string, bytes: number, limit: number) {
    super('EVENT_TOO_LARGE', 'too_large', `event ${eventId} is ${bytes} bytes; limit ${limit}`, {
      eventId,
      bytes,
      limit,
    });
  }
}
