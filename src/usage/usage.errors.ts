import { DomainError, type ErrorKind } from '../common/errors/domain-error';
import type { IngestError } from './usage.model';

const KIND_BY_CODE: Record<string, ErrorKind> = {
  INVALID_USAGE: 'invalid',
  UNKNOWN_CUSTOMER: 'unprocessable',
  CUSTOMER_ARCHIVED: 'unprocessable',
  PERIOD_CLOSED: 'unprocessable',
  USAGE_LIMIT_EXCEEDED: 'rate_limited',
  EVENT_ID_CONFLICT: 'conflict',
  STORE_UNAVAILABLE: 'unavailable',
};

/**
 * The kind of an event's rejection. An over-limit event is 429 (with Retry-After) only when
 * waiting helps, i.e. for today's total; another day's total never resets, so that is a 422.
 */
function kindOf(error: IngestError): ErrorKind {
  if (error.kind) return error.kind;
  if (error.code === 'USAGE_LIMIT_EXCEEDED' && error.retryAfterSeconds === undefined) {
    return 'unprocessable';
  }
  return KIND_BY_CODE[error.code] ?? 'unavailable';
}

/** A single event's rejection, raised as the error of `POST /v1/usage`. */
export class UsageRejected extends DomainError {
  constructor(error: IngestError) {
    super(
      error.code,
      kindOf(error),
      error.message,
      error.field ? { fields: [{ field: error.field, messages: [error.message] }] } : undefined,
      error.retryAfterSeconds ?? (error.code === 'STORE_UNAVAILABLE' ? 5 : undefined),
    );
  }
}

export class BatchTooLarge extends DomainError {
  constructor(size: number, max: number) {
    super('BATCH_TOO_LARGE', 'too_large', `A batch holds at most ${max} events; got ${size}`);
  }
}

export class UsageEventNotFound extends DomainError {
  constructor(customerId: string, eventId: string) {
    super(
      'USAGE_EVENT_NOT_FOUND',
      'not_found',
      `Usage event ${eventId} of customer ${customerId} not found`,
    );
  }
}

/** A voided event counts for nothing and stays so: it cannot be amended. */
export class UsageEventVoided extends DomainError {
  constructor(customerId: string, eventId: string) {
    super(
      'USAGE_EVENT_VOIDED',
      'conflict',
      `Usage event ${eventId} of customer ${customerId} is voided; it cannot be amended`,
    );
  }
}

/** Lost the race for the event more times than is reasonable. */
export class UsageCorrectionConflict extends DomainError {
  constructor(customerId: string, eventId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `Usage event ${eventId} of customer ${customerId} changed concurrently; retry`,
    );
  }
}
