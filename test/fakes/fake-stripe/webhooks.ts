import { createHmac } from 'node:crypto';
import type { StripeObject } from './types';

/**
 * Produces a body + `Stripe-Signature` header pair that `stripe.webhooks.constructEvent`
 * accepts for `secret`, so tests can deliver `fake.events` to a webhook endpoint.
 * The body must be sent byte-for-byte as returned, since the signature covers it.
 */
export function signWebhookPayload(
  event: StripeObject,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): { payload: string; header: string } {
  const payload = JSON.stringify(event, null, 2);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return { payload, header: `t=${timestamp},v1=${signature}` };
}
