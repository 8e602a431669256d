import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { settleEvents } from './support/credit-notes';
import { type OurInvoice, PERIOD, WebhookHarness } from './support/webhook-harness';

type Obj = Record<string, unknown>;

/*
 * Payments recorded without a payment provider: partial payments add up, the invoice is paid
 * once covered, retries are idempotent on paymentId, refusals are typed; with Stripe enabled an
 * invoice paid this way is marked paid out of band at Stripe exactly once, outage or not.
 */
const PAID_AT = '2026-04-01T09:30:00Z';

function paymentsApi(h: WebhookHarness) {
  return {
    pay: (invoiceId: string, body: Obj) =>
      h.t.http
        .post(`/v1/invoices/${invoiceId}/payments`)
        .set(h.t.auth())
        .send({ paidAt: PAID_AT, method: 'bank_transfer', ...body }),
    finalize: (invoiceId: string) =>
      h.t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(h.t.auth()).expect(200),
    uncollectible: (invoiceId: string) =>
      h.t.http.post(`/v1/invoices/${invoiceId}/mark-uncollectible`).set(h.t.auth()),
    audit: async (invoiceId: string) =>
      (
        await h.t.http
          .get('/v1/audit')
          .query({ entityType: 'invoice', entityId: invoiceId })
          .set(h.t.auth())
          .expect(200)
      ).body.data as Obj[],
  };
}

describe('Invoice payments without Stripe (e2e)', () => {
  let h: WebhookHarness;
  let api: ReturnType<typeof paymentsApi>;

  beforeAll(async () => {
    h = await WebhookHarness.start();
    api = paymentsApi(h);
  });
  afterAll(() => h.close());

  /** A USD 10.00 invoice, finalized (open). */
  async function openInvoice(customerId: string): Promise<OurInvoice> {
    const draft = await h.draftInvoice(customerId);
    expect((await api.finalize(draft.id)).body).toMatchObject({ status: 'open', provider: null });
    return draft;
  }

  it('adds partial payments up and settles the invoice when they cover it, with events and audit', async () => {
    const invoice = await openInvoice('pay-partial');
    const first = await api
      .pay(invoice.id, { paymentId: 'wire-1', amount: '4.00', reference: 'SEPA 1' })
      .expect(201);
    expect(first.body.payment).toEqual({
      id: 'wire-1',
      amount: '4.00',
      method: 'bank_transfer',
      reference: 'SEPA 1',
      paidAt: '2026-04-01T09:30:00.000Z',
      recordedAt: expect.any(String),
    });
    expect(first.body.invoice).toMatchObject({
      status: 'open',
      amountDue: '10.00',
      amountPaid: '4.00',
    });

    const second = await api
      .pay(invoice.id, { paymentId: 'check-2', amount: '6', method: 'check' })
      .expect(201);
    expect(second.body.payment).toMatchObject({ id: 'check-2', amount: '6.00', reference: null });
    expect(second.body.invoice).toMatchObject({
      status: 'paid',
      amountPaid: '10.00',
      paidAt: '2026-04-01T09:30:00.000Z',
    });
    const stored = await h.invoice(invoice.id);
    expect(stored).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    expect((stored.payments as Obj[]).map((p) => p.id)).toEqual(['wire-1', 'check-2']);

    const events = await h.publishedEvents(
      'billing.payment.processed',
      { invoiceId: invoice.id },
      3,
    );
    // Both recorded on the same test-clock instant: published in either order.
    const manual = events
      .filter((e) => e.data.provider === 'manual')
      .sort((a, b) => (String(a.data.paymentId) < String(b.data.paymentId) ? 1 : -1));
    expect(manual.map((e) => e.data)).toEqual([
      expect.objectContaining({
        paymentId: 'wire-1',
        status: 'succeeded',
        amount: '4.00',
        currency: 'USD',
        method: 'bank_transfer',
        reference: 'SEPA 1',
        stripeEventId: null,
      }),
      expect.objectContaining({ paymentId: 'check-2', amount: '6.00', method: 'check' }),
    ]);
    // The invoice's own "paid" event, once, when the second payment settled it.
    expect(events.filter((e) => e.data.status === 'paid')).toHaveLength(1);

    const audit = await api.audit(invoice.id);
    const payments = audit.filter((r) => r.operation === 'invoice.payment');
    expect(payments).toHaveLength(2);
    // Both recorded on the same test-clock instant: in either order.
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          before: expect.objectContaining({ status: 'open', amountPaid: '0' }),
          after: expect.objectContaining({ status: 'open', amountPaid: '4.00' }),
        }),
        expect.objectContaining({
          before: expect.objectContaining({ status: 'open', amountPaid: '4.00' }),
          after: expect.objectContaining({ status: 'paid', amountPaid: '10.00' }),
        }),
      ]),
    );
  });

  it('is idempotent on paymentId: the same body answers the payment, another body is a 409', async () => {
    const invoice = await openInvoice('pay-idem');
    const first = await api.pay(invoice.id, { paymentId: 'p-1', amount: '2.50' }).expect(201);
    const again = await api.pay(invoice.id, { paymentId: 'p-1', amount: '2.5' }).expect(200);
    expect(again.body.payment).toEqual(first.body.payment);
    expect(again.body.invoice).toMatchObject({ amountPaid: '2.50' });
    const other = await api.pay(invoice.id, { paymentId: 'p-1', amount: '3.00' }).expect(409);
    expect(other.body).toMatchObject({
      error: 'PAYMENT_CONFLICT',
      details: { paymentId: 'p-1', differs: ['amount'] },
    });
    const method = await api
      .pay(invoice.id, { paymentId: 'p-1', amount: '2.50', method: 'cash' })
      .expect(409);
    expect(method.body.details.differs).toEqual(['method']);
    expect(await h.invoice(invoice.id)).toMatchObject({ amountPaid: '2.50', status: 'open' });
    // Without an id each request is its own payment.
    const generated = await api.pay(invoice.id, { amount: '1.00' }).expect(201);
    expect(generated.body.payment.id).toMatch(/^pay_/);
    expect(await h.invoice(invoice.id)).toMatchObject({ amountPaid: '3.50' });
  });

  it('refuses overpayments, drafts, void and paid invoices, and bad amounts or dates', async () => {
    const invoice = await openInvoice('pay-refuse');
    await api.pay(invoice.id, { amount: '7.00' }).expect(201);
    const over = await api.pay(invoice.id, { amount: '3.01' }).expect(422);
    expect(over.body).toMatchObject({
      error: 'OVERPAYMENT',
      details: { amountDue: '10.00', amountPaid: '7.00', remaining: '3.00', requested: '3.01' },
    });
    for (const amount of ['0', '-1.00', '1.001', '1e3']) {
      const bad = await api.pay(invoice.id, { amount }).expect(400);
      expect(bad.body.error).toBe('VALIDATION_FAILED');
    }
    const future = await api
      .pay(invoice.id, { amount: '1.00', paidAt: '2026-04-02T10:05:00Z' })
      .expect(400);
    expect(JSON.stringify(future.body)).toContain('paidAt');
    await api.pay(invoice.id, { amount: '1.00', paidAt: '2026-02-30T10:00:00Z' }).expect(400);
    await api.pay(invoice.id, { amount: '1.00', method: 'crypto' }).expect(400);
    expect(await h.invoice(invoice.id)).toMatchObject({ amountPaid: '7.00', status: 'open' });

    await api.pay(invoice.id, { amount: '3.00' }).expect(201);
    const paid = await api.pay(invoice.id, { amount: '1.00' }).expect(409);
    expect(paid.body).toMatchObject({ error: 'INVOICE_NOT_PAYABLE', details: { status: 'paid' } });

    const draft = await h.draftInvoice('pay-draft');
    const refusedDraft = await api.pay(draft.id, { amount: '1.00' }).expect(409);
    expect(refusedDraft.body).toMatchObject({
      error: 'INVOICE_NOT_PAYABLE',
      details: { status: 'draft' },
    });
    await h.t.http.post(`/v1/invoices/${draft.id}/void`).set(h.t.auth()).expect(200);
    const refusedVoid = await api.pay(draft.id, { amount: '1.00' }).expect(409);
    expect(refusedVoid.body.details).toEqual({ status: 'void' });
    await api.pay('inv_nobody_2026-03', { amount: '1.00' }).expect(404);
  });

  it('marks an open invoice uncollectible once, and a payment still settles it', async () => {
    const invoice = await openInvoice('pay-uncollectible');
    const marked = await api.uncollectible(invoice.id).expect(200);
    expect(marked.body).toMatchObject({
      status: 'uncollectible',
      markedUncollectibleAt: expect.any(String),
    });
    const twice = await api.uncollectible(invoice.id).expect(200);
    expect(twice.body).toEqual(marked.body);
    const audit = await api.audit(invoice.id);
    expect(audit.filter((r) => r.operation === 'invoice.uncollectible')).toHaveLength(1);

    await api.pay(invoice.id, { amount: '10.00' }).expect(201);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    const refused = await api.uncollectible(invoice.id).expect(409);
    expect(refused.body.error).toBe('INVALID_INVOICE_TRANSITION');
    const draft = await h.draftInvoice('pay-uncollectible-draft');
    await api.uncollectible(draft.id).expect(409);
  });

  it('takes a credit note on a partly paid invoice only up to what is still unpaid', async () => {
    const invoice = await openInvoice('pay-credit');
    await api.pay(invoice.id, { amount: '6.00' }).expect(201);
    const tooMuch = await h.t.http
      .post(`/v1/invoices/${invoice.id}/credit-notes`)
      .set(h.t.auth())
      .send({ reason: 'order_change', amount: '4.01' })
      .expect(422);
    expect(tooMuch.body).toMatchObject({
      error: 'CREDIT_NOTE_EXCEEDS_AMOUNT_DUE',
      details: { amountDue: '4.00' },
    });
    await h.t.http
      .post(`/v1/invoices/${invoice.id}/credit-notes`)
      .set(h.t.auth())
      .send({ reason: 'order_change', amount: '4.00' })
      .expect(201);
    expect(await h.invoice(invoice.id)).toMatchObject({
      status: 'paid',
      amountDue: '6.00',
      amountPaid: '6.00',
    });
  });

  it("counts recorded payments in the billing report's totals", async () => {
    const invoice = await openInvoice('pay-report');
    await api.pay(invoice.id, { amount: '2.25' }).expect(201);
    const report = await h.t.http
      .get('/v1/reports/billing')
      .query({ period: PERIOD })
      .set(h.t.auth('read'))
      .expect(200);
    const row = (report.body.rows as Obj[] | undefined)?.find((r) => r.customerId === 'pay-report');
    expect(row).toMatchObject({ status: 'open', amountPaid: '2.25', outstanding: '7.75' });
  });
});

describe('Invoice payments with Stripe (e2e)', () => {
  let fake: FakeStripe;
  let h: WebhookHarness;
  let api: ReturnType<typeof paymentsApi>;

  beforeAll(async () => {
    let clockSeconds = () => Math.floor(Date.now() / 1000);
    fake = await startFakeStripe({ now: () => clockSeconds() });
    h = await WebhookHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_manual_payments',
      STRIPE_API_HOST: fake.host,
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    });
    clockSeconds = () => h.epoch();
    api = paymentsApi(h);
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });
  beforeEach(() => fake.faults.reset());

  async function openAtStripe(customerId: string): Promise<{ id: string; stripeId: string }> {
    const draft = await h.draftInvoice(customerId);
    const open = await api.finalize(draft.id);
    expect(open.body).toMatchObject({ status: 'open', provider: { status: 'open' } });
    return { id: draft.id, stripeId: open.body.provider.invoiceId as string };
  }

  const payRequests = (stripeId: string) =>
    fake.requests.filter((r) => r.path === `/v1/invoices/${stripeId}/pay`);

  it('marks the Stripe invoice paid out of band once fully paid here, not before', async () => {
    const { id, stripeId } = await openAtStripe('stripe-pay');
    await api.pay(id, { paymentId: 'sp-1', amount: '4.00' }).expect(201);
    await settleEvents(h.t);
    expect(payRequests(stripeId)).toHaveLength(0);
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ status: 'open' });

    await api.pay(id, { paymentId: 'sp-2', amount: '6.00' }).expect(201);
    await settleEvents(h.t);
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ status: 'paid', amount_paid: 1000 });
    const handled = payRequests(stripeId).filter((r) => r.outcome === 'handled');
    expect(handled).toHaveLength(1);
    expect(handled[0].idempotencyKey).toBe(`billing-inv-${id}-pay-out-of-band`);
    // Out of band: Stripe charged nobody.
    expect([...fake.state.charges.values()].filter((c) => c.invoice === stripeId)).toEqual([]);
    expect(await h.invoice(id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
  });

  it('records the payment here during a Stripe outage and marks Stripe paid once afterwards', async () => {
    const { id, stripeId } = await openAtStripe('stripe-outage');
    fake.faults.failNext(3, 503);
    const paid = await api.pay(id, { paymentId: 'so-1', amount: '10.00' }).expect(201);
    expect(paid.body.invoice).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    await settleEvents(h.t);
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ status: 'paid' });
    const handled = payRequests(stripeId).filter((r) => r.outcome === 'handled');
    expect(handled).toHaveLength(1);
    const paidEvents = fake.events.filter(
      (e) => e.type === 'invoice.paid' && (e.data as { object: Obj }).object.id === stripeId,
    );
    expect(paidEvents).toHaveLength(1);
    // Stripe's invoice.paid coming back changes nothing here.
    expect((await h.deliver(paidEvents[0])).status).toBe(200);
    expect(await h.invoice(id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    const audit = await api.audit(id);
    expect(audit.filter((r) => r.operation === 'invoice.payment')).toHaveLength(1);
  });

  it('pays Stripe once when its answer is lost after it paid', async () => {
    const { id, stripeId } = await openAtStripe('stripe-lost');
    fake.faults.dropResponseAfterCommit(1);
    await api.pay(id, { paymentId: 'sl-1', amount: '10.00', method: 'cash' }).expect(201);
    await settleEvents(h.t);
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ status: 'paid', amount_paid: 1000 });
    // Paid once (its answer dropped), then the retry with the same key replayed that answer.
    const outcomes = payRequests(stripeId).map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'dropped' || o === 'handled')).toEqual(['dropped']);
    expect(outcomes).toContain('replayed');
    expect(new Set(payRequests(stripeId).map((r) => r.idempotencyKey))).toEqual(
      new Set([`billing-inv-${id}-pay-out-of-band`]),
    );
    const paidEvents = fake.events.filter(
      (e) => e.type === 'invoice.paid' && (e.data as { object: Obj }).object.id === stripeId,
    );
    expect(paidEvents).toHaveLength(1);
  });
});
