import { DomainError, type ErrorKind } from '../common/errors/domain-error';
import type { IngestError } from './usage.model';

const KIND_BY_CODE: Record<string, ErrorKind> = {
  INVALID_USAGE: 'invalid',
  UNKNOWN_CUSTOMER: 'unprocessable',
  CUSTOMER_ARCHIVED: 'unprocessable',
  PERIOD_CLOSED: 'unprocessable',
  USAGE_LIMIT_EXCEEDED: 'rate_limited',
  STORE_UNAVAILABLE: 'unavailable',
};

/** A single event's rejection, raised as the error of `POST /v1/usage`. */
export class UsageRejected extends DomainError {
  constructor(error: IngestError) {
    super(
      error.code,
      KIND_BY_CODE[error.code] ?? 'unavailable',
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
