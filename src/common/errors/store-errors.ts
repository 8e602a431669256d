/**
 * Errors that mean "DynamoDB could not be reached or is overwhelmed" (as opposed to a bug or a
 * failed condition). They become 503 STORE_UNAVAILABLE.
 */
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const TRANSPORT_MESSAGE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|socket hang up/;

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  // The SDK re-wraps transport errors it cannot recognise as Errors (e.g. across VM contexts),
  // keeping only the message; an SDK error that never got an HTTP status is a transport failure.
  if (e.$metadata && e.$metadata.httpStatusCode === undefined) return true;
  if (typeof e.message === 'string' && TRANSPORT_MESSAGE.test(e.message)) return true;
  if (e.cause && e.cause !== error) return isStoreUnavailable(e.cause);
  return false;
}
