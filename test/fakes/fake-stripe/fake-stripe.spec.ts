import Stripe from 'stripe';
import { decodeForm } from './form';
import { decimalTimes } from './invoice-model';
import { PINNED_API_VERSION, sdkFor } from './sdk-client';
import { signWebhookPayload, startFakeStripe, type FakeStripe } from './index';

describe('fake Stripe API driven by the real stripe SDK', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await startFakeStripe();
    stripe = sdkFor(fake);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  async function customerWithPendingItems(amounts: number[], currency = 'usd') {
    const customer = await stripe.customers.create({ email: 'a@example.com', name: 'Acme' });
    for (const amount of amounts) {
      await stripe.invoiceItems.create({ customer: customer.id, amount, currency });
    }
    return customer;
  }

  it('pins the same API version as the installed SDK', () => {
    expect(Stripe.API_VERSION).toBe(PINNED_API_VERSION);
    expect(fake.apiVersion).toBe(PINNED_API_VERSION);
    expect(fake.host).toBe('127.0.0.1');
    expect(fake.port).toBeGreaterThan(0);
  });

  it('creates, retrieves, updates, lists and deletes customers', async () => {
    const created = await stripe.customers.create({
      email: 'billing@acme.test',
      name: 'Acme',
      metadata: { tenantId: 't1', plan: 'pro' },
    });
    expect(created).toMatchObject({
      object: 'customer',
      email: 'billing@acme.test',
      livemode: false,
      metadata: { tenantId: 't1', plan: 'pro' },
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(Number.isInteger(created.created)).toBe(true);
    expect(fake.state.customers.get(created.id).email).toBe('billing@acme.test');

    const updated = await stripe.customers.update(created.id, {
      name: 'Acme Corp',
      metadata: { plan: '' },
    });
    expect(updated.name).toBe('Acme Corp');
    expect(updated.metadata).toEqual({ tenantId: 't1' });

    await stripe.customers.create({ email: 'other@acme.test' });
    const listed = await stripe.customers.list({ limit: 1 });
    expect(listed).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect((await stripe.customers.list().autoPagingToArray({ limit: 10 })).length).toBe(2);

    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'customer', deleted: true });
    await expect(stripe.customers.retrieve(created.id)).resolves.toMatchObject({ deleted: true });
    await expect(stripe.customers.update(created.id, { name: 'x' })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });

    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/customers')!;
    expect(post.body).toEqual({
      email: 'billing@acme.test',
      name: 'Acme',
      metadata: { tenantId: 't1', plan: 'pro' },
    });
    expect(post.stripeVersion).toBe(PINNED_API_VERSION);
  });

  it('pulls pending items into an invoice only with pending_invoice_items_behavior=include', async () => {
    const customer = await customerWithPendingItems([1500, 250]);
    await stripe.invoiceItems.create({
      customer: customer.id,
      unit_amount_decimal: '33.335',
      quantity: 3,
      currency: 'USD',
      description: 'API calls',
      metadata: { usageRecordId: 'u1' },
    });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 999, currency: 'eur' });

    const excluded = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    expect(excluded.lines.data).toHaveLength(0);
    expect(excluded.total).toBe(0);

    const invoice = await stripe.invoices.create({
      customer: customer.id,
      currency: 'usd',
      collection_method: 'send_invoice',
      days_until_due: 30,
      pending_invoice_items_behavior: 'include',
      metadata: { invoiceId: 'inv-1' },
    });
    expect(invoice.id).toMatch(/^in_/);
    expect(invoice).toMatchObject({ status: 'draft', number: null, subtotal: 1850, total: 1850 });
    expect(invoice.amount_due).toBe(1850);
    expect(invoice.lines.data.map((l) => l.amount).sort()).toEqual([100, 1500, 250].sort());
    const usageLine = invoice.lines.data.find((l) => l.amount === 100)!;
    expect(usageLine).toMatchObject({
      object: 'line_item',
      quantity: 3,
      metadata: { usageRecordId: 'u1' },
    });
    expect(usageLine.pricing?.unit_amount_decimal).toBe('33.335');
    expect(invoice.due_date).toBe(invoice.created + 30 * 86400);

    const usd = await stripe.invoiceItems.list({ customer: customer.id, invoice: invoice.id });
    expect(usd.data).toHaveLength(3);
    const stillPending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(stillPending.data.map((i) => i.currency)).toEqual(['eur']);
  });

  it('attaches an item created with invoice=in_... and rejects items for finalized invoices', async () => {
    const customer = await stripe.customers.create({});
    const invoice = await stripe.invoices.create({ customer: customer.id });
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 4200,
      currency: 'usd',
    });
    expect(item.invoice).toBe(invoice.id);
    const withItem = await stripe.invoices.retrieve(invoice.id, { expand: ['customer'] });
    expect(withItem.total).toBe(4200);
    expect((withItem.customer as Stripe.Customer).object).toBe('customer');

    const listed = await stripe.invoices.list({ customer: customer.id, expand: ['data.customer'] });
    expect((listed.data[0].customer as Stripe.Customer).email).toBe(customer.email);
    await expect(stripe.invoices.retrieve(invoice.id, { expand: ['nope'] })).rejects.toMatchObject({
      message: 'This property cannot be expanded (nope).',
    });

    const expanded = await stripe.invoiceItems.retrieve(item.id, { expand: ['invoice.customer'] });
    expect(((expanded.invoice as Stripe.Invoice).customer as Stripe.Customer).id).toBe(customer.id);

    await stripe.invoices.finalizeInvoice(invoice.id);
    await expect(
      stripe.invoiceItems.create({
        customer: customer.id,
        invoice: invoice.id,
        amount: 1,
        currency: 'usd',
      }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'invoice_not_editable' });
  });

  it('finalizes, pays, voids and marks invoices uncollectible', async () => {
    const customer = await customerWithPendingItems([1000]);
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    const open = await stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe('open');
    expect(open.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(open.hosted_invoice_url).toMatch(/^https:\/\//);
    expect(open.invoice_pdf).toMatch(/\/pdf/);
    expect(open.status_transitions.finalized_at).toEqual(expect.any(Number));
    expect(open.amount_due).toBe(1000);

    const paid = await stripe.invoices.pay(open.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1000, amount_remaining: 0 });
    expect(paid.status_transitions.paid_at).toEqual(expect.any(Number));

    await stripe.invoiceItems.create({ customer: customer.id, amount: 5, currency: 'usd' });
    const second = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    const secondOpen = await stripe.invoices.finalizeInvoice(second.id);
    expect(secondOpen.number).toBe(open.number!.replace(/0001$/, '0002'));
    const voided = await stripe.invoices.voidInvoice(second.id);
    expect(voided.status).toBe('void');
    expect(voided.status_transitions.voided_at).toEqual(expect.any(Number));

    await stripe.invoiceItems.create({ customer: customer.id, amount: 7, currency: 'usd' });
    const third = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    await stripe.invoices.finalizeInvoice(third.id);
    const bad = await stripe.invoices.markUncollectible(third.id);
    expect(bad.status).toBe('uncollectible');
    await expect(stripe.invoices.pay(third.id)).resolves.toMatchObject({ status: 'paid' });
  });

  it('marks a zero-amount invoice paid on finalization, as Stripe does', async () => {
    const customer = await stripe.customers.create({});
    const draft = await stripe.invoices.create({ customer: customer.id });
    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized.status).toBe('paid');
  });

  it('raises the SDK error classes Stripe would for bad requests and illegal transitions', async () => {
    const customer = await customerWithPendingItems([100]);
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });

    const payDraft = stripe.invoices.pay(draft.id);
    await expect(payDraft).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(payDraft).rejects.toMatchObject({
      statusCode: 400,
      rawType: 'invalid_request_error',
    });
    await expect(stripe.invoices.voidInvoice(draft.id)).rejects.toThrow(/open or uncollectible/);
    await stripe.invoices.finalizeInvoice(draft.id);
    await expect(stripe.invoices.finalizeInvoice(draft.id)).rejects.toThrow(/re-finalize/);
    await stripe.invoices.pay(draft.id);
    await expect(stripe.invoices.pay(draft.id)).rejects.toThrow(/already paid/);
    await expect(stripe.invoices.voidInvoice(draft.id)).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );

    await expect(
      stripe.invoiceItems.create({ customer: 'cus_missing', amount: 1, currency: 'usd' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    await expect(stripe.invoiceItems.create({ amount: 1, currency: 'usd' })).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'customer',
    });
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, currency: 'usd' }),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'amount' });
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, amount: 1, unit_amount: 1 } as never),
    ).rejects.toMatchObject({ code: 'parameter_unknown', param: 'unit_amount' });
    await expect(stripe.invoices.retrieve('in_nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such invoice: 'in_nope'",
    });
  });

  it('answers unknown routes with 404 and missing or bad credentials with 401', async () => {
    const res = await fetch(`${fake.url}/v1/nope`, {
      headers: { Authorization: 'Bearer sk_test_123' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const anon = await fetch(`${fake.url}/v1/customers`);
    expect(anon.status).toBe(401);
    const live = new Stripe('sk_live_123', {
      host: fake.host,
      port: fake.port,
      protocol: 'http',
    });
    await expect(live.customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('embeds at most 10 lines in an invoice and pages the rest via /lines', async () => {
    const customer = await customerWithPendingItems(Array.from({ length: 12 }, (_, i) => i + 1));
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    expect(invoice.lines.data).toHaveLength(10);
    expect(invoice.lines.has_more).toBe(true);
    expect(invoice.total).toBe(78);
    const all = await stripe.invoices.listLineItems(invoice.id).autoPagingToArray({ limit: 100 });
    expect(all).toHaveLength(12);
  });

  it('records Stripe events that can be signed and delivered as webhooks', async () => {
    const customer = await customerWithPendingItems([300]);
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    await stripe.invoices.finalizeInvoice(draft.id);
    await stripe.invoices.pay(draft.id);

    expect(fake.events.map((e) => e.type)).toEqual([
      'customer.created',
      'invoiceitem.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    const finalized = fake.events.find((e) => e.type === 'invoice.finalized');
    expect(finalized).toMatchObject({
      object: 'event',
      api_version: PINNED_API_VERSION,
      livemode: false,
      data: { object: { id: draft.id, status: 'open' } },
    });
    expect(finalized.id).toMatch(/^evt_/);

    const fetched = await stripe.events.retrieve(finalized.id);
    expect(fetched.type).toBe('invoice.finalized');
    const invoiceEvents = await stripe.events.list({ type: 'invoice.*' });
    expect(invoiceEvents.data.map((e) => e.type)[0]).toBe('invoice.payment_succeeded');

    const secret = 'whsec_test';
    const { payload, header } = signWebhookPayload(finalized, secret);
    const verified = stripe.webhooks.constructEvent(payload, header, secret);
    expect(verified.id).toBe(finalized.id);
  });

  describe('credit notes and refunds', () => {
    /** An invoice of 1,000 with one 1,000 line, finalized (open). */
    async function openInvoice() {
      const customer = await stripe.customers.create({ email: 'cn@example.com' });
      const invoice = await stripe.invoices.create({
        customer: customer.id,
        collection_method: 'send_invoice',
        days_until_due: 30,
        pending_invoice_items_behavior: 'exclude',
      });
      await stripe.invoiceItems.create({
        customer: customer.id,
        invoice: invoice.id,
        amount: 1000,
        currency: 'usd',
      });
      return stripe.invoices.finalizeInvoice(invoice.id);
    }

    it('reduces what an open invoice asks for, and settles it when nothing is left', async () => {
      const invoice = await openInvoice();
      const line = invoice.lines.data[0];
      const note = await stripe.creditNotes.create({
        invoice: invoice.id,
        lines: [{ type: 'invoice_line_item', invoice_line_item: line.id, amount: 400 }],
      });
      expect(note).toMatchObject({ total: 400, pre_payment_amount: 400, type: 'pre_payment' });
      expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
        status: 'open',
        amount_due: 600,
      });
      await expect(
        stripe.creditNotes.create({
          invoice: invoice.id,
          lines: [{ type: 'invoice_line_item', invoice_line_item: line.id, amount: 601 }],
        }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await stripe.creditNotes.create({ invoice: invoice.id, amount: 600 });
      expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
        status: 'paid',
        amount_due: 0,
      });
      await expect(stripe.creditNotes.voidCreditNote(note.id)).rejects.toMatchObject({
        statusCode: 400,
      });
    });

    it('refunds a paid invoice’s charge, requires refund + credit + out of band = the total, and settles refunds later', async () => {
      const invoice = await openInvoice();
      await stripe.invoices.pay(invoice.id);
      await expect(
        stripe.creditNotes.create({ invoice: invoice.id, amount: 500, refund_amount: 400 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      fake.refunds.createAs('pending');
      const note = await stripe.creditNotes.create({
        invoice: invoice.id,
        amount: 500,
        refund_amount: 300,
        out_of_band_amount: 200,
        expand: ['refunds.refund'],
      });
      const refund = note.refunds[0].refund as Stripe.Refund;
      expect(refund).toMatchObject({ object: 'refund', amount: 300, status: 'pending' });
      expect(note).toMatchObject({ post_payment_amount: 500, out_of_band_amount: 200 });
      await expect(stripe.creditNotes.voidCreditNote(note.id)).rejects.toMatchObject({
        statusCode: 400,
      });
      fake.refunds.settle(refund.id, 'failed');
      expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({
        status: 'failed',
        failure_reason: 'expired_or_canceled_card',
      });
      expect(fake.events.map((e) => e.type)).toEqual(
        expect.arrayContaining([
          'credit_note.created',
          'refund.created',
          'charge.refunded',
          'refund.updated',
          'refund.failed',
        ]),
      );
      await expect(stripe.creditNotes.voidCreditNote(note.id)).resolves.toMatchObject({
        status: 'void',
      });
      await expect(
        stripe.creditNotes.create({ invoice: invoice.id, amount: 1001, out_of_band_amount: 1001 }),
      ).rejects.toMatchObject({ statusCode: 400 });
    });
  });
});

describe('fake Stripe helpers', () => {
  it('decodes bracket notation the way the SDK encodes it', () => {
    expect(
      decodeForm(
        'metadata[invoiceId]=x&lines[0][amount]=5&lines[1][amount]=6&expand[]=a&expand[]=b&q=a+b%26c',
      ),
    ).toEqual({
      metadata: { invoiceId: 'x' },
      lines: [{ amount: '5' }, { amount: '6' }],
      expand: ['a', 'b'],
      q: 'a b&c',
    });
  });

  it('multiplies unit_amount_decimal exactly and rounds half away from zero', () => {
    expect(decimalTimes('33.335', 3)).toBe(100);
    expect(decimalTimes('0.5', 1)).toBe(1);
    expect(decimalTimes('-0.5', 1)).toBe(-1);
    expect(decimalTimes('0.000000000001', 1000)).toBe(0);
    expect(decimalTimes('1234', 2)).toBe(2468);
  });
});
