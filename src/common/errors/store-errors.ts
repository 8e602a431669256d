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

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $metadata?: unknown; cause?: unknown };
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.cause && e.cause !== error) return isStoreUnavailable(e.cause);
  return false;
}
