/**
 * Domain errors carry a stable `code` and a `kind`; the HTTP layer maps kinds to status codes in
 * one place (`ErrorFilter`), so services never throw HTTP exceptions and run unchanged from a cron.
 */
export type ErrorKind =
  | 'invalid'
  | 'payment_required'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
    /** For `rate_limited` and `unavailable`: sent as `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  messages: string[];
}

export class ValidationFailed extends DomainError {
  constructor(fields: FieldProblem[], message = 'Request validation failed') {
    super('VALIDATION_FAILED', 'invalid', message, { fields });
  }
}

export class InvalidCursor extends DomainError {
  constructor() {
    super('INVALID_CURSOR', 'invalid', 'The cursor is not one this API returned');
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'A valid API key is required: Authorization: Bearer <key>') {
    super('UNAUTHENTICATED', 'unauthenticated', message);
  }
}

export class ScopeForbidden extends DomainError {
  constructor(required: string, actual: string) {
    super(
      'FORBIDDEN',
      'forbidden',
      `This API key has scope "${actual}"; "${required}" is required`,
    );
  }
}

export class StoreUnavailable extends DomainError {
  constructor() {
    super(
      'STORE_UNAVAILABLE',
      'unavailable',
      'The data store is unavailable; retry shortly',
      undefined,
      5,
    );
  }
}

export class MalformedJson extends DomainError {
  constructor() {
    super('MALFORMED_JSON', 'invalid', 'The request body is not valid JSON');
  }
}

export class PayloadTooLarge extends DomainError {
  constructor(limit?: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      'too_large',
      limit ? `The request body is larger than ${limit} bytes` : 'The request body is too large',
    );
  }
}

/** A body that is not JSON in UTF-8 (another charset or content coding, an unreadable type). */
export class UnsupportedBody extends DomainError {
  constructor(what: string) {
    super('UNSUPPORTED_MEDIA_TYPE', 'invalid', `The request body must be JSON in UTF-8 (${what})`);
  }
}
