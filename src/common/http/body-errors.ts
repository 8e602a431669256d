import { DomainError, PayloadTooLarge } from '../errors/domain-error';

/** A body that is not JSON in UTF-8 (another media type, charset or content coding). */
export class UnsupportedBody extends DomainError {
  constructor(what: string) {
    super('UNSUPPORTED_MEDIA_TYPE', 'invalid', `The request body must be JSON in UTF-8 (${what})`);
  }
}

/** What raw-body fails with (the `http-errors` convention, `type` naming the failure). */
interface ReadError {
  type?: unknown;
}

/**
 * The domain error for a body whose bytes could not be read, so the one error filter answers it
 * in the usual shape: 413 PAYLOAD_TOO_LARGE over the route's limit, else 400 UNREADABLE_BODY (a
 * length that does not match the bytes sent, a compressed body that does not inflate, a client
 * that went away). Bytes that are not JSON are MALFORMED_JSON (src/common/http/json-bodies.ts).
 */
export function bodyReadError(error: unknown, limit: number): DomainError {
  const type = typeof error === 'object' && error !== null ? (error as ReadError).type : undefined;
  if (type === 'entity.too.large') return new PayloadTooLarge(limit);
  return new DomainError('UNREADABLE_BODY', 'invalid', 'The request body could not be read');
}
