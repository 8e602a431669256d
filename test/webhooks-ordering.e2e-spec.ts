import { PaymentRecordsRepository } from '../src/webhooks/payment-records.repository';
import { NOW, type OurInvoice, WebhookHarness } from './support/webhook-harness';

type Obj = Record<string, unknown>;

/** Every ordering of a list. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('Stripe webhooks: any order, forward only (e2e)', () => {
  let h: WebhookHarness;

  beforeAll(async () => {
    h = await WebhookHarness.start();
  });
  afterAll(() => h.close());
  beforeEach(() => h.clock.set(NOW));

  /** The lifecycle Stripe reports for one invoice: finalized, a failed attempt, then paid. */
  const lifecycle = (invoice: OurInvoice, t0: number): Record<string, Obj> => ({
    finalized: h.event('invoice.finalized', h.stripeInvoice(invoice), { created: t0 }),
    failed: h.event('invoice.payment_failed', h.stripeInvoice(invoice, { attempt_count: 1 }), {
      created: t0 + 60,
    }),
    paid: h.event(
      'invoice.paid',
      h.stripeInvoice(invoice, {
        status: 'paid',
        amount_paid: 1000,
        amount_remaining: 0,
        attempt_count: 2,
        status_transitions: { paid_at: t0 + 120 },
      }),
      { created: t0 + 120 },
    ),
  });

  it.each(
    permutations(['finalized', 'failed', 'paid']).map((order, i) => [order.join(' → '), order, i]),
  )('ends paid whatever the order: %s', async (_, order, i) => {
    const customerId = `wh-perm-${i}`;
    const invoice = await h.draftInvoice(customerId);
    const events = lifecycle(invoice, h.epoch(-600));

    for (const name of order) {
      const res = await h.deliver(events[name]);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('processed');
    }

    expect(await h.invoice(invoice.id)).toMatchObject({
      status: 'paid',
      amountPaid: '10.00',
      paymentAttempts: 2,
      paidAt: new Date((h.epoch(-600) + 120) * 1000).toISOString(),
    });
    expect(await h.customer(customerId)).toMatchObject({ billingStatus: 'active' });
    expect(
      await h.publishedEvents('billing.payment.processed', { invoiceId: invoice.id }),
    ).toHaveLength(1);
  });

  it('never lets an older event regress the standing, across invoices', async () => {
    // Two invoices (March and April) of one customer, both still drafts.
    h.clock.set('2026-03-10T12:00:00Z');
    await h.createCustomer('wh-two');
    const usage = (timestamp: string) =>
      h.t.http
        .post('/v1/usage')
        .set(h.t.auth('ingest'))
        .send({ customerId: 'wh-two', endpoint: '/api/x', quantity: 2000, timestamp })
        .expect(201);
    await usage('2026-03-10T12:00:00Z');
    h.clock.set('2026-04-10T12:00:00Z');
    await usage('2026-04-05T12:00:00Z');
    const create = async (period: string) =>
      (
        await h.t.http
          .post('/v1/invoices')
          .set(h.t.auth())
          .send({ customerId: 'wh-two', period })
          .expect(201)
      ).body as OurInvoice;
    const march = await create('2026-03');
    const april = await create('2026-04');
    h.clock.set('2026-05-02T10:00:00Z');
    const t0 = h.epoch(-3600);
    const paid = (invoice: OurInvoice, created: number, type = 'invoice.paid') =>
      h.event(type, h.stripeInvoice(invoice, { status: 'paid', amount_paid: 1000 }), { created });
    const failed = (invoice: OurInvoice, created: number, attempts: number) =>
      h.event('invoice.payment_failed', h.stripeInvoice(invoice, { attempt_count: attempts }), {
        created,
      });
    const standing = async () => (await h.customer('wh-two')).billingStatus;

    await h.deliver(paid(march, t0 + 10));
    expect(await standing()).toBe('active');
    // April failed BEFORE March was paid (older event, delivered late): no regression.
    await h.deliver(failed(april, t0 + 5, 1));
    expect(await standing()).toBe('active');
    expect(await h.invoice(april.id)).toMatchObject({ status: 'open', paymentAttempts: 1 });
    // April failed again, after March was paid: now the customer is past due.
    await h.deliver(failed(april, t0 + 20, 2));
    expect(await standing()).toBe('past_due');
    // Stripe's second report of March's payment (older) must not make them active again.
    await h.deliver(paid(march, t0 + 10, 'invoice.payment_succeeded'));
    expect(await standing()).toBe('past_due');
    await h.deliver(paid(april, t0 + 30));
    expect(await standing()).toBe('active');
    expect(await h.invoice(april.id)).toMatchObject({ status: 'paid', paymentAttempts: 2 });
  });

  it('keeps a cancelled customer cancelled when an old invoice is paid later', async () => {
    const invoice = await h.draftInvoice('wh-cancel');
    const events = lifecycle(invoice, h.epoch(-600));
    await h.deliver(events.finalized);
    // Links cus_… to the customer, so the subscription event (which names only cus_…) resolves.
    const cancelled = h.event(
      'customer.subscription.deleted',
      { object: 'subscription', id: 'sub_cancel', customer: 'cus_whcancel', status: 'canceled' },
      { created: h.epoch(-300) },
    );
    expect((await h.deliver(cancelled)).body.status).toBe('processed');
    expect(await h.customer('wh-cancel')).toMatchObject({ billingStatus: 'cancelled' });

    await h.deliver(events.paid);
    await h.deliver(events.failed);

    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid' });
    expect(await h.customer('wh-cancel')).toMatchObject({ billingStatus: 'cancelled' });
  });

  it('voids an invoice, and a late payment report for the void invoice changes nothing', async () => {
    const invoice = await h.draftInvoice('wh-void');
    const events = lifecycle(invoice, h.epoch(-600));
    await h.deliver(events.finalized);
    await h.deliver(h.event('invoice.voided', h.stripeInvoice(invoice, { status: 'void' })));
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'void' });

    const late = await h.deliver(events.paid);

    expect(late.body.status).toBe('processed');
    expect((await h.inbox(events.paid.id as string)).body.result.changes).toEqual([]);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'void', amountPaid: '0' });
  });

  it('marks an invoice uncollectible, and a payment after that still settles it', async () => {
    const invoice = await h.draftInvoice('wh-uncollectible');
    const events = lifecycle(invoice, h.epoch(-600));
    const uncollectible = h.event(
      'invoice.marked_uncollectible',
      h.stripeInvoice(invoice, { status: 'uncollectible' }),
      { created: h.epoch(-400) },
    );
    await h.deliver(uncollectible);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'uncollectible' });

    await h.deliver(events.paid);

    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
  });

  it('ignores a report about another Stripe invoice than the one linked, or in another currency', async () => {
    const invoice = await h.draftInvoice('wh-mismatch');
    const eur = h.event(
      'invoice.paid',
      h.stripeInvoice(invoice, { currency: 'eur', status: 'paid', amount_paid: 1000 }),
    );
    const res = await h.deliver(eur);
    expect(res.body.status).toBe('ignored');
    expect((await h.inbox(eur.id as string)).body.reason).toMatch(/EUR/);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'draft' });
  });

  it('records payment intents once, in any order, with billing.payment.processed', async () => {
    const invoice = await h.draftInvoice('wh-pi');
    // An invoice event teaches which Stripe customer is ours; the PI names only cus_….
    await h.deliver(h.event('invoice.finalized', h.stripeInvoice(invoice)));
    const pi = (status: string, created: number, fields: Obj = {}) => ({
      id: 'pi_whpi',
      object: 'payment_intent',
      amount: 1000,
      amount_received: status === 'succeeded' ? 1000 : 0,
      currency: 'usd',
      customer: 'cus_whpi',
      status,
      metadata: { invoiceId: invoice.id },
      ...fields,
    });
    const failed = h.event(
      'payment_intent.payment_failed',
      pi('requires_payment_method', h.epoch(-120), {
        last_payment_error: { code: 'card_declined', message: 'Your card was declined.' },
      }),
      { created: h.epoch(-120) },
    );
    const succeeded = h.event('payment_intent.succeeded', pi('succeeded', h.epoch(-60)), {
      created: h.epoch(-60),
    });

    // Success first, the older failure after: the failure must not undo it.
    expect((await h.deliver(succeeded)).body.status).toBe('processed');
    expect((await h.deliver(failed)).body.status).toBe('processed');

    const record = await h.t.app.get(PaymentRecordsRepository).get('pi_whpi');
    expect(record).toMatchObject({
      status: 'succeeded',
      amount: '10.00',
      amountReceived: '10.00',
      currency: 'USD',
      customerId: 'wh-pi',
      invoiceId: invoice.id,
      lastEventId: succeeded.id,
    });
    expect((await h.inbox(failed.id as string)).body.result).toMatchObject({
      paymentId: 'pi_whpi',
      changes: [],
    });
    const payments = await h.publishedEvents('billing.payment.processed', {
      paymentId: 'pi_whpi',
    });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      customerId: 'wh-pi',
      data: { status: 'succeeded', amount: '10.00', invoiceId: invoice.id },
    });

    const stranger = h.event('payment_intent.succeeded', {
      ...pi('succeeded', h.epoch()),
      id: 'pi_stranger',
      customer: 'cus_unknown',
      metadata: {},
    });
    expect((await h.deliver(stranger)).body.status).toBe('ignored');
  });

  it('links, unlinks and never relinks a deleted Stripe customer, whatever the order', async () => {
    await h.createCustomer('wh-cus');
    const stripeCustomer = {
      id: 'cus_whcus',
      object: 'customer',
      email: 'changed-in-dashboard@example.test',
      metadata: { customerId: 'wh-cus' },
    };
    const updated = h.event('customer.updated', stripeCustomer, { created: h.epoch(-60) });
    const deleted = h.event('customer.deleted', stripeCustomer, { created: h.epoch(-30) });

    await h.deliver(updated);
    expect(await h.customer('wh-cus')).toMatchObject({
      stripeCustomerId: 'cus_whcus',
      // Our record is the source of truth for contact details.
      email: 'wh-cus@example.test',
    });
    await h.deliver(deleted);
    expect(await h.customer('wh-cus')).toMatchObject({ stripeCustomerId: null });
    // A late update of the deleted customer (another event id) must not link it again.
    await h.deliver(h.event('customer.updated', stripeCustomer, { created: h.epoch(-45) }));
    expect(await h.customer('wh-cus')).toMatchObject({ stripeCustomerId: null });
  });
});
