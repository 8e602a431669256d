import { CustomersService } from '../src/customers/customers.service';
import { WebhookInboxRepository } from '../src/webhooks/webhook-inbox.repository';
import { WebhookRecovery } from '../src/webhooks/webhook-recovery.service';
import { startTestApp } from './support/test-app';
import { WebhookHarness, NOW } from './support/webhook-harness';

describe('Stripe webhooks: verification, inbox, duplicates, failures (e2e)', () => {
  let h: WebhookHarness;

  beforeAll(async () => {
    h = await WebhookHarness.start();
  });
  afterAll(() => h.close());
  beforeEach(() => h.clock.set(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('applies a verified invoice.paid: invoice paid, customer active, entry processed, events out', async () => {
    const invoice = await h.draftInvoice('wh-paid');
    const paidAt = h.epoch(-60);
    const event = h.event(
      'invoice.paid',
      h.stripeInvoice(invoice, {
        status: 'paid',
        amount_paid: 1000,
        amount_remaining: 0,
        attempt_count: 1,
        status_transitions: { paid_at: paidAt },
      }),
    );

    const res = await h.deliver(event);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, duplicate: false, status: 'processed' });
    expect(await h.invoice(invoice.id)).toMatchObject({
      status: 'paid',
      amountPaid: '10.00',
      paymentAttempts: 1,
      paidAt: new Date(paidAt * 1000).toISOString(),
    });
    expect(await h.customer('wh-paid')).toMatchObject({ billingStatus: 'active' });
    const entry = (await h.inbox(event.id as string)).body;
    expect(entry).toMatchObject({
      id: event.id,
      type: 'invoice.paid',
      status: 'processed',
      attempts: 1,
      result: { invoiceId: invoice.id, customerId: 'wh-paid' },
    });
    expect(entry.result.changes).toEqual(
      expect.arrayContaining([
        `invoice ${invoice.id}: draft → open (finalized)`,
        `invoice ${invoice.id}: open → paid`,
      ]),
    );
    expect(entry.event).toEqual(event);
    expect(
      await h.publishedEvents('billing.payment.processed', { invoiceId: invoice.id }),
    ).toHaveLength(1);
    const [processed] = await h.publishedEvents('billing.webhook.processed', {
      stripeEventId: event.id,
    });
    expect(processed).toMatchObject({ customerId: 'wh-paid', data: { replayed: false } });
  });

  it('rejects a tampered body with 400 and stores and changes nothing', async () => {
    const invoice = await h.draftInvoice('wh-tamper');
    const event = h.event('invoice.voided', h.stripeInvoice(invoice, { status: 'void' }));
    const payload = JSON.stringify(event);
    const signature = h.sign(payload);
    const tampered = payload.replace('"status":"void"', '"status":"paid"');
    expect(tampered).not.toBe(payload);

    const res = await h.post(tampered, signature);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'INVALID_SIGNATURE' });
    expect((await h.inbox(event.id as string)).status).toBe(404);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'draft' });
  });

  it('rejects a wrong secret, an expired or missing signature with 400, never storing', async () => {
    const event = h.event('charge.refunded', { object: 'charge', id: 'ch_1' });
    const wrongSecret = await h.deliver(event, { secret: 'whsec_someone_else_entirely' });
    const tenMinutesOld = await h.deliver(event, { timestamp: h.epoch(-600) });
    const missing = await h.post(JSON.stringify(event));
    const garbage = await h.post(JSON.stringify(event), 't=abc,v1=nothing');

    for (const res of [wrongSecret, tenMinutesOld, missing, garbage]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_SIGNATURE');
    }
    expect(tenMinutesOld.body.details.reason).toMatch(/tolerance/i);
    expect((await h.inbox(event.id as string)).status).toBe(404);
    // Four minutes old is inside Stripe's 5-minute tolerance.
    expect((await h.deliver(event, { timestamp: h.epoch(-240) })).status).toBe(200);
  });

  it('rejects a correctly signed body that is not a Stripe event with 400', async () => {
    const payload = JSON.stringify({ hello: 'world' });
    const res = await h.post(payload, h.sign(payload));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_EVENT');
  });

  it('processes an event delivered 3 times in a row once and flags the rest as duplicates', async () => {
    const invoice = await h.draftInvoice('wh-seq');
    const event = h.event('invoice.finalized', h.stripeInvoice(invoice));

    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await h.deliver(event)).body);

    expect(bodies).toEqual([
      { received: true, duplicate: false, status: 'processed' },
      { received: true, duplicate: true, status: 'processed' },
      { received: true, duplicate: true, status: 'processed' },
    ]);
    expect((await h.inbox(event.id as string)).body.attempts).toBe(1);
    expect(
      await h.publishedEvents('billing.webhook.processed', { stripeEventId: event.id }),
    ).toHaveLength(1);
    expect(
      await h.publishedEvents('billing.invoice.finalized', { invoiceId: invoice.id }),
    ).toHaveLength(1);
  });

  it('lets exactly one of 3 concurrent deliveries process the event', async () => {
    const invoice = await h.draftInvoice('wh-race');
    const event = h.event(
      'invoice.paid',
      h.stripeInvoice(invoice, { status: 'paid', amount_paid: 1000, attempt_count: 1 }),
    );

    const results = await Promise.all([1, 2, 3].map(() => h.deliver(event)));

    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(results.filter((r) => r.body.duplicate === true)).toHaveLength(2);
    expect((await h.inbox(event.id as string)).body).toMatchObject({
      status: 'processed',
      attempts: 1,
    });
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    expect(
      await h.publishedEvents('billing.webhook.processed', { stripeEventId: event.id }),
    ).toHaveLength(1);
    expect(
      await h.publishedEvents('billing.payment.processed', { invoiceId: invoice.id }),
    ).toHaveLength(1);
  });

  it('acknowledges unknown types and objects that are not ours as ignored, with a reason', async () => {
    const unknownType = h.event('charge.dispute.created', { object: 'dispute', id: 'dp_1' });
    const foreignInvoice = h.event('invoice.paid', {
      object: 'invoice',
      id: 'in_foreign',
      currency: 'usd',
      amount_paid: 500,
      metadata: {},
    });
    const unknownInvoice = h.event('invoice.finalized', {
      object: 'invoice',
      id: 'in_ghost',
      metadata: { invoiceId: 'inv_nobody_2026-03' },
    });
    const unknownCustomer = h.event('customer.subscription.deleted', {
      object: 'subscription',
      id: 'sub_1',
      customer: 'cus_never_seen',
    });

    const expected: [Record<string, unknown>, RegExp][] = [
      [unknownType, /not handled/],
      [foreignInvoice, /no metadata.invoiceId/],
      [unknownInvoice, /inv_nobody_2026-03 does not exist/],
      [unknownCustomer, /cus_never_seen is not linked/],
    ];
    for (const [event, reason] of expected) {
      const res = await h.deliver(event);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, duplicate: false, status: 'ignored' });
      const entry = (await h.inbox(event.id as string)).body;
      expect(entry).toMatchObject({ status: 'ignored', result: { changes: [] } });
      expect(entry.reason).toMatch(reason);
    }
  });

  it('answers 500 when a handler fails, keeps the event failed, and runs it again on redelivery', async () => {
    const invoice = await h.draftInvoice('wh-fail');
    const customers = h.t.app.get(CustomersService);
    jest
      .spyOn(customers, 'applyBillingStatus')
      .mockRejectedValueOnce(new Error('simulated write failure'));
    const event = h.event('invoice.payment_failed', h.stripeInvoice(invoice, { attempt_count: 1 }));

    const failed = await h.deliver(event);

    expect(failed.status).toBe(500);
    expect((await h.inbox(event.id as string)).body).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'Error: simulated write failure',
    });
    expect(await h.customer('wh-fail')).toMatchObject({ billingStatus: 'active' });

    const redelivered = await h.deliver(event);

    expect(redelivered.status).toBe(200);
    expect(redelivered.body).toEqual({ received: true, duplicate: false, status: 'processed' });
    expect(await h.customer('wh-fail')).toMatchObject({ billingStatus: 'past_due' });
    const entry = (await h.inbox(event.id as string)).body;
    expect(entry).toMatchObject({ status: 'processed', attempts: 2 });
    expect(entry.error).toBeUndefined();
  });

  it('replays a failed event on request (admin) and applies its effect', async () => {
    const invoice = await h.draftInvoice('wh-replay');
    jest
      .spyOn(h.t.app.get(CustomersService), 'applyBillingStatus')
      .mockRejectedValueOnce(new Error('simulated write failure'));
    const event = h.event('invoice.payment_failed', h.stripeInvoice(invoice, { attempt_count: 2 }));
    expect((await h.deliver(event)).status).toBe(500);
    const failedList = await h.t.http
      .get('/v1/webhooks/stripe/events')
      .query({ status: 'failed' })
      .set(h.t.auth());
    expect(failedList.body.data.map((e: { id: string }) => e.id)).toContain(event.id);

    const replay = await h.t.http
      .post(`/v1/webhooks/stripe/events/${event.id as string}/replay`)
      .set(h.t.auth());

    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: event.id, status: 'processed', attempts: 2 });
    expect(await h.customer('wh-replay')).toMatchObject({ billingStatus: 'past_due' });
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'open', paymentAttempts: 2 });
    const [processed] = await h.publishedEvents('billing.webhook.processed', {
      stripeEventId: event.id,
    });
    expect(processed.data).toMatchObject({ replayed: true, attempt: 2 });
    // Replaying again is harmless: state only moves forward.
    const again = await h.t.http
      .post(`/v1/webhooks/stripe/events/${event.id as string}/replay`)
      .set(h.t.auth());
    expect(again.body).toMatchObject({ status: 'processed', attempts: 3, result: { changes: [] } });
    expect(
      (await h.t.http.post('/v1/webhooks/stripe/events/evt_missing/replay').set(h.t.auth())).status,
    ).toBe(404);
  });

  it('finishes an event whose processor died mid-run once its lease has run out', async () => {
    const invoice = await h.draftInvoice('wh-crash');
    const inbox = h.t.app.get(WebhookInboxRepository);
    // The run "dies": its outcome is never recorded, not even as failed.
    jest.spyOn(inbox, 'complete').mockRejectedValueOnce(new Error('process killed'));
    jest.spyOn(inbox, 'markFailed').mockRejectedValueOnce(new Error('process killed'));
    const event = h.event('invoice.voided', h.stripeInvoice(invoice, { status: 'void' }));
    expect((await h.deliver(event)).status).toBe(500);
    expect((await h.inbox(event.id as string)).body.status).toBe('received');
    // While the lease lasts, a redelivery is a duplicate (the run may still be going).
    expect((await h.deliver(event)).body).toMatchObject({ duplicate: true, status: 'received' });

    h.clock.advance(3 * 60_000);
    expect(await h.t.app.get(WebhookRecovery).sweep()).toBeGreaterThanOrEqual(1);

    expect((await h.inbox(event.id as string)).body).toMatchObject({
      status: 'processed',
      attempts: 2,
    });
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'void' });
  });

  it('lists stored events by status, newest first, a page at a time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1_000);
      const event = h.event('product.created', { object: 'product', id: `prod_${i}` });
      ids.push(event.id as string);
      expect((await h.deliver(event)).body.status).toBe('ignored');
    }
    const list = (query: Record<string, string | number>) =>
      h.t.http.get('/v1/webhooks/stripe/events').query(query).set(h.t.auth());

    const first = await list({ status: 'ignored', limit: 2 });
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[0]).toMatchObject({ type: 'product.created', status: 'ignored' });
    expect(first.body.data[0].event).toBeUndefined();
    const second = await list({ status: 'ignored', limit: 2, cursor: first.body.nextCursor });
    expect(second.body.data[0].id).toBe(ids[0]);

    expect((await list({ status: 'bogus' })).status).toBe(400);
    expect((await list({})).status).toBe(400);
    const foreignCursor = Buffer.from(JSON.stringify({ gsi1pk: 'CUSTOMERS' })).toString(
      'base64url',
    );
    expect((await list({ status: 'ignored', cursor: foreignCursor })).status).toBe(400);
  });

  it('needs an admin key to list, read and replay, and no key to deliver', async () => {
    const event = h.event('product.updated', { object: 'product', id: 'prod_scopes' });
    expect((await h.deliver(event)).status).toBe(200);
    const routes = [
      () => h.t.http.get('/v1/webhooks/stripe/events?status=ignored'),
      () => h.t.http.get(`/v1/webhooks/stripe/events/${event.id as string}`),
      () => h.t.http.post(`/v1/webhooks/stripe/events/${event.id as string}/replay`),
    ];
    for (const route of routes) {
      expect((await route()).status).toBe(401);
      expect((await route().set(h.t.auth('read'))).status).toBe(403);
      expect((await route().set(h.t.auth('ingest'))).status).toBe(403);
      expect((await route().set(h.t.auth('admin'))).status).toBe(200);
    }
  });
});

describe('Stripe webhooks without a webhook secret (e2e)', () => {
  it('answers 503 WEBHOOKS_NOT_CONFIGURED and stores nothing', async () => {
    const t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: undefined } });
    try {
      const res = await t.http
        .post('/v1/webhooks/stripe')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', 't=1,v1=abc')
        .send(JSON.stringify({ id: 'evt_x', type: 'invoice.paid' }));
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('WEBHOOKS_NOT_CONFIGURED');
      expect((await t.http.get('/v1/webhooks/stripe/events/evt_x').set(t.auth())).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
