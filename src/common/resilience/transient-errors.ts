/**
 * The default answer to "is this a dependency failure worth retrying?" for HTTP-ish clients:
 * network errors, timeouts, 408, 429 and 5xx. Clients with richer errors (Stripe) pass their own
 * classifier; this one only looks at the common shapes (`code`, `statusCode`/`status`, the AWS
 * SDK's `$metadata.httpStatusCode` and `$retryable`).
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'AbortError', 'TaskCancelledError']);

export function isTransientStatus(status: number | undefined): boolean {
  return status !== undefined && (status === 408 || status === 429 || status >= 500);
}

export function isTransientError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
    cause?: unknown;
  };
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = [e.statusCode, e.status, e.$metadata?.httpStatusCode].find(
    (s): s is number => typeof s === 'number',
  );
  if (status !== undefined) return isTransientStatus(status);
  return e.cause !== undefined && isTransientError(e.cause, depth + 1);
}
