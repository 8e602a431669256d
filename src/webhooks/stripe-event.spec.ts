import Stripe from 'stripe';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { metadataOf, parseStripeEvent, referencedId } from './stripe-event';
import {
  InvalidWebhookEvent,
  InvalidWebhookSignature,
  WebhooksNotConfigured,
} from './webhook.errors';
import { WebhookSignatureVerifier } from './webhook-signature.verifier';

const SECRET = 'whsec_unit_0123456789';
const NOW = new Date('2026-04-02T10:00:00Z');

const verifier = (secret: string | undefined) =>
  new WebhookSignatureVerifier(
    { get: () => ({ webhookSecret: secret }) } as unknown as ConfigService<AppConfig, true>,
    { now: () => NOW },
  );

const event = {
  id: 'evt_1',
  object: 'event',
  type: 'invoice.paid',
  created: 1_775_000_000,
  livemode: false,
  api_version: '2026-02-25.clover',
  data: { object: { object: 'invoice', id: 'in_1' } },
};

const signed = (payload: string, timestamp = NOW.getTime() / 1000, secret = SECRET) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

describe('WebhookSignatureVerifier', () => {
  const payload = JSON.stringify(event);

  it('accepts the exact signed bytes and returns the parsed event', () => {
    const out = verifier(SECRET).verify(Buffer.from(payload), signed(payload));
    expect(out.event).toMatchObject({ id: 'evt_1', type: 'invoice.paid', created: 1_775_000_000 });
    expect(out.payload).toBe(payload);
  });

  it.each([
    ['a changed byte', Buffer.from(payload.replace('in_1', 'in_2')), signed(payload)],
    ['another secret', Buffer.from(payload), signed(payload, undefined, 'whsec_other')],
    [
      'a timestamp 10 minutes old',
      Buffer.from(payload),
      signed(payload, NOW.getTime() / 1000 - 600),
    ],
    ['no header', Buffer.from(payload), undefined],
    ['an empty body', Buffer.alloc(0), signed('')],
    ['a header array', Buffer.from(payload), [signed(payload)]],
  ])('rejects %s', (_, body, header) => {
    expect(() => verifier(SECRET).verify(body, header)).toThrow(InvalidWebhookSignature);
  });

  it('refuses everything when no secret is configured', () => {
    expect(() => verifier(undefined).verify(Buffer.from(payload), signed(payload))).toThrow(
      WebhooksNotConfigured,
    );
  });
});

describe('parseStripeEvent', () => {
  it.each([
    ['an array', []],
    ['no id', { ...event, id: undefined }],
    ['an id with #', { ...event, id: 'evt_1#x' }],
    ['no type', { ...event, type: '' }],
    ['created as a string', { ...event, created: '1775000000' }],
    ['no data.object', { ...event, data: {} }],
  ])('rejects %s', (_, body) => {
    expect(() => parseStripeEvent(body)).toThrow(InvalidWebhookEvent);
  });

  it('reads expanded references and keeps only string metadata', () => {
    expect(referencedId({ customer: 'cus_1' }, 'customer')).toBe('cus_1');
    expect(referencedId({ customer: { id: 'cus_2', object: 'customer' } }, 'customer')).toBe(
      'cus_2',
    );
    expect(referencedId({ customer: null }, 'customer')).toBeUndefined();
    expect(metadataOf({ metadata: { invoiceId: 'inv_a_2026-03', n: 1, empty: '' } })).toEqual({
      invoiceId: 'inv_a_2026-03',
    });
  });
});
