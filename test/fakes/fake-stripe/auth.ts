import { invalidRequest } from './errors';

function mask(key: string): string {
  return `${key.slice(0, 8)}****${key.slice(-4)}`;
}

/** Pulls the secret key from `Bearer <key>` or Stripe's also-accepted `Basic base64(key:)`. */
function extractKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return value.trim() || undefined;
  if (/^basic$/i.test(scheme)) {
    return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  }
  return undefined;
}

/**
 * Returns the 401 to send, if any. Live keys are refused so a test that is
 * accidentally wired to production credentials fails loudly here.
 */
export function checkAuth(header: string | undefined, expectedKey?: string) {
  const key = extractKey(header);
  if (!key) {
    return invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      {},
      401,
    );
  }
  const valid = expectedKey ? key === expectedKey : /^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key);
  if (!valid) {
    return invalidRequest(`Invalid API Key provided: ${mask(key)}`, {}, 401);
  }
  return undefined;
}
