import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header receivers verify; same scheme as Stripe's `Stripe-Signature`. */
export const SIGNATURE_HEADER = 'X-Billing-Signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The timestamp is signed with the
 * body, so a receiver that refuses old timestamps cannot be fed a recorded message again.
 */
export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const t = String(unixSeconds);
  return `t=${t},v1=${hmac(secret, t, rawBody)}`;
}

/**
 * What a receiver does (the README shows the same in a few lines): true when some `v1` in the
 * header is the HMAC of `<t>.<rawBody>` under `secret`, and `t` is within `toleranceSeconds` of
 * `nowSeconds`.
 */
export function verifySignature(
  secret: string,
  rawBody: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = parts.find(([key]) => key === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, rawBody), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, 'hex'), expected));
}

function hmac(secret: string, t: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex');
}
