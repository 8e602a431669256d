import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { sdkFor } from './fakes/fake-stripe/sdk-client';
import { CreditNotesApi, settleEvents } from './support/credit-notes';
import { type OurInvoice, WebhookHarness } from './support/webhook-harness';

type Obj = Record<string, unknown>;

/*
 * Credit notes mirrored at (fake) Stripe: the note is stored first and pushed with the
 * idempotency key billing-cn-<id>; refunds go back to the invoice's charge and Stripe's
 * webhooks — in any order, delivered twice — move the note's refund status forward only; an
 * outage or a lost answer in the middle never makes a second Stripe credit note.
 */
describe('Credit notes with Stripe (e2e)', () => {
  let fake: FakeStripe;
  let h: WebhookHarness;
  let notes: CreditNotesApi;

  beforeAll(async () => {
    let clockSeconds = () => Math.floor(Date.now() / 1000);
    fake = await startFakeStripe({ now: () => clockSeconds() });
    h = await WebhookHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_credit_notes',
      STRIPE_API_HOST: fake.host,
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    });
    // Stripe's `created` on the same clock the app verifies signatures with.
    clockSeconds = () => h.epoch();
    notes = new CreditNotesApi(h.t);
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.faults.reset();
    fake.refunds.createAs('succeeded');
  });

  /** A USD 10.00 invoice (2,000 units on the paid plan), finalized: open at Stripe. */
  async function openInvoice(
    customerId: string,
  ): Promise<{ invoice: OurInvoice; stripeId: string }> {
    const draft = await h.draftInvoice(customerId);
    const open = await h.t.http
      .post(`/v1/invoices/${draft.id}/finalize`)
      .set(h.t.auth())
      .expect(200);
    expect(open.body).toMatchObject({ status: 'open', provider: { status: 'open' } });
    return { invoice: draft, stripeId: open.body.provider.invoiceId as string };
  }

  /** Paid at Stripe (a card payment, so there is a charge to refund), and told to us by webhook. */
  async function paidInvoice(customerId: string) {
    const { invoice, stripeId } = await openInvoice(customerId);
    h.clock.advance(1_000);
    await sdkFor(fake).invoices.pay(stripeId);
    const paid = fake.events.find(
      (e) => e.type === 'invoice.paid' && (e.data as { object: Obj }).object.id === stripeId,
    );
    expect((await h.deliver(paid as Obj)).status).toBe(200);
    expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    return { invoice, stripeId };
  }

  const stripeNotesOf = (creditNoteId: string) =>
    [...fake.state.creditNotes.values()].filter((n) => n.metadata?.creditNoteId === creditNoteId);
  /** Stripe's events about one of its objects (by id), oldest first. */
  const eventsAbout = (...ids: string[]) =>
    fake.events.filter((e) => {
      const object = (e.data as { object: Obj }).object;
      return ids.includes(object.id as string);
    });

  it('mirrors a note on an open invoice: Stripe asks for less, and the payment settles the rest', async () => {
    const { invoice, stripeId } = await openInvoice('cn-open');
    const note = await notes
      .issue(invoice.id, {
        creditNoteId: 'cn-open-1',
        reason: 'duplicate',
        memo: 'Counted twice',
        lines: [{ lineId: 'L1', amount: '4.00' }],
      })
      .expect(201);
    expect(note.body).toMatchObject({
      type: 'pre_payment',
      refund: { status: 'none' },
      provider: { name: 'stripe', status: 'pushed', providerInvoiceId: stripeId, amount: '4.00' },
    });
    const [mirror] = stripeNotesOf('cn-open-1');
    expect(mirror).toMatchObject({
      id: note.body.provider.providerCreditNoteId,
      invoice: stripeId,
      total: 400,
      pre_payment_amount: 400,
      post_payment_amount: 0,
      reason: 'duplicate',
      memo: 'Counted twice',
      metadata: {
        creditNoteId: 'cn-open-1',
        creditNoteNumber: note.body.number,
        invoiceId: invoice.id,
      },
    });
    // Credited on the line Stripe holds for ours.
    const stripeInvoice = fake.state.invoices.get(stripeId);
    expect(mirror.lines.data[0]).toMatchObject({
      type: 'invoice_line_item',
      invoice_line_item: stripeInvoice.lines.data[0].id,
      amount: 400,
    });
    expect(stripeInvoice).toMatchObject({ amount_due: 600, amount_remaining: 600 });
    // However often it was sent (right away, and by the subscriber), it was made once.
    const creates = fake.requests.filter(
      (r) => r.path === '/v1/credit_notes' && r.idempotencyKey === 'billing-cn-cn-open-1',
    );
    expect(creates.filter((r) => r.outcome === 'handled')).toHaveLength(1);

    // Stripe's own credit_note.created changes nothing more; the payment of the rest settles it.
    for (const event of eventsAbout(mirror.id as string)) {
      expect((await h.deliver(event)).body).toMatchObject({ duplicate: false });
    }
    h.clock.advance(1_000);
    await sdkFor(fake).invoices.pay(stripeId);
    const paid = fake.events.filter(
      (e) => e.type === 'invoice.paid' && (e.data as { object: Obj }).object.id === stripeId,
    );
    expect((await h.deliver(paid[0])).status).toBe(200);
    expect(await h.invoice(invoice.id)).toMatchObject({
      status: 'paid',
      amountDue: '6.00',
      amountPaid: '6.00',
      creditedTotal: '4.00',
    });
  });

  it('refunds through Stripe and closes the refund when Stripe’s webhook says it succeeded', async () => {
    fake.refunds.createAs('pending');
    const { invoice, stripeId } = await paidInvoice('cn-refund');
    const note = await notes
      .issue(invoice.id, {
        creditNoteId: 'cn-refund-1',
        reason: 'product_unsatisfactory',
        amount: '10.00',
        refund: '6.00',
        credit: '4.00',
      })
      .expect(201);
    expect(note.body).toMatchObject({
      type: 'post_payment',
      refund: { amount: '6.00', status: 'pending', processedAt: null },
      credit: { amount: '4.00', grantId: 'cn_cn-refund-1' },
      provider: { status: 'pushed', amount: '10.00' },
    });
    const [mirror] = stripeNotesOf('cn-refund-1');
    // Our credit grant holds the credit: Stripe records it as credited outside Stripe.
    expect(mirror).toMatchObject({
      total: 1000,
      post_payment_amount: 1000,
      out_of_band_amount: 400,
      refunds: [{ amount_refunded: 600 }],
    });
    const refundId = mirror.refunds[0].refund as string;
    expect(note.body.refund.refunds).toEqual([
      { refundId, status: 'pending', failureReason: null },
    ]);
    expect(fake.state.customers.get(mirror.customer as string).balance).toBe(0);
    // Pending at Stripe: the note stands.
    const pending = await notes.void('cn-refund-1').expect(409);
    expect(pending.body.details).toEqual({ reason: 'refund_pending' });

    const stripeEvents = eventsAbout(mirror.id as string, refundId);
    for (const event of stripeEvents) expect((await h.deliver(event)).status).toBe(200);
    expect((await notes.get('cn-refund-1')).body.refund.status).toBe('pending');

    h.clock.advance(60_000);
    fake.refunds.settle(refundId, 'succeeded');
    const settled = eventsAbout(refundId).filter((e) => e.type === 'refund.updated');
    expect(settled).toHaveLength(1);
    const delivered = await h.deliver(settled[0]);
    expect(delivered.body).toMatchObject({ duplicate: false, status: 'processed' });
    const done = (await notes.get('cn-refund-1')).body;
    expect(done.refund).toMatchObject({
      status: 'succeeded',
      refunds: [{ refundId, status: 'succeeded' }],
    });
    expect(done.refund.processedAt).toEqual(expect.any(String));
    // Everything again: duplicates, nothing moves.
    for (const event of [...stripeEvents, settled[0]]) {
      expect((await h.deliver(event)).body).toMatchObject({ duplicate: true });
    }
    expect(
      await h.publishedEvents('billing.refund.processed', { creditNoteId: 'cn-refund-1' }),
    ).toEqual([
      expect.objectContaining({
        customerId: 'cn-refund',
        data: expect.objectContaining({
          amount: '6.00',
          status: 'succeeded',
          provider: 'stripe',
          providerRefundIds: [refundId],
        }),
      }),
    ]);
    const refunded = await notes.void('cn-refund-1').expect(409);
    expect(refunded.body.details).toEqual({ reason: 'refunded' });
    expect(stripeId).toBe(mirror.invoice);
  });

  it('ends failed whatever the order of Stripe’s events, and a failed refund lets the note be voided', async () => {
    fake.refunds.createAs('pending');
    const { invoice } = await paidInvoice('cn-failed');
    await notes
      .issue(invoice.id, { creditNoteId: 'cn-failed-1', amount: '10.00', refund: '10.00' })
      .expect(201);
    const [mirror] = stripeNotesOf('cn-failed-1');
    const refundId = mirror.refunds[0].refund as string;
    h.clock.advance(60_000);
    fake.refunds.settle(refundId, 'failed', 'expired_or_canceled_card');
    const all = eventsAbout(mirror.id as string, refundId);
    const charge = fake.events.filter(
      (e) =>
        e.type === 'charge.refunded' &&
        ((e.data as { object: Obj }).object.refunds as { data: Obj[] }).data.some(
          (r) => r.id === refundId,
        ),
    );
    expect(charge).toHaveLength(1);
    const types = [...all, ...charge].map((e) => e.type as string).sort();
    expect(types).toEqual([
      'charge.refunded',
      'credit_note.created',
      'refund.created',
      'refund.failed',
      'refund.updated',
    ]);
    // Newest first: the failure, then the pending reports that came before it.
    const reversed = [...all, ...charge].sort(
      (a, b) => (b.created as number) - (a.created as number),
    );
    for (const event of reversed) expect((await h.deliver(event)).status).toBe(200);
    for (const event of reversed) {
      expect((await h.deliver(event)).body).toMatchObject({ duplicate: true });
    }
    const failed = (await notes.get('cn-failed-1')).body;
    expect(failed.refund).toMatchObject({
      status: 'failed',
      failureReason: 'expired_or_canceled_card',
      refunds: [{ refundId, status: 'failed' }],
    });
    expect(
      await h.publishedEvents('billing.refund.processed', { creditNoteId: 'cn-failed-1' }),
    ).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          status: 'failed',
          failureReason: 'expired_or_canceled_card',
        }),
      }),
    ]);
    // Nothing was refunded: the note can go, at Stripe too.
    const voided = await notes.void('cn-failed-1').expect(200);
    expect(voided.body).toMatchObject({ status: 'void', provider: { status: 'voided' } });
    expect(stripeNotesOf('cn-failed-1')[0]).toMatchObject({ status: 'void' });
    expect(await h.invoice(invoice.id)).toMatchObject({ creditedTotal: '0.00' });
  });

  it('keeps a refund reported before it is linked to a note, and applies it once it is', async () => {
    fake.refunds.createAs('pending');
    const { invoice } = await paidInvoice('cn-early');
    await notes
      .issue(invoice.id, { creditNoteId: 'cn-early-1', amount: '5.00', refund: '5.00' })
      .expect(201);
    const [mirror] = stripeNotesOf('cn-early-1');
    const refundId = mirror.refunds[0].refund as string;
    // A refund of the same note, reported before anything linked it to ours.
    const early = h.event('refund.updated', {
      id: 're_early1',
      object: 'refund',
      amount: 0,
      charge: 'ch_unknown',
      currency: 'usd',
      status: 'succeeded',
    });
    const kept = await h.deliver(early).expect(200);
    expect(kept.body).toMatchObject({ status: 'ignored' });
    expect((await h.inbox(early.id as string)).body.reason).toContain('not linked');
    // Stripe's credit note lists it: the link is made and what was reported applies.
    const created = eventsAbout(mirror.id as string).find((e) => e.type === 'credit_note.created')!;
    const object = (created.data as { object: Obj }).object;
    const updated = h.event('credit_note.updated', {
      ...object,
      refunds: [
        ...(object.refunds as Obj[]),
        { amount_refunded: 0, refund: 're_early1', type: 'refund', payment_record_refund: null },
      ],
    });
    expect((await h.deliver(updated)).body).toMatchObject({ status: 'processed' });
    let note = (await notes.get('cn-early-1')).body;
    expect(note.refund).toMatchObject({
      status: 'pending',
      refunds: [
        { refundId, status: 'pending' },
        { refundId: 're_early1', status: 'succeeded' },
      ],
    });
    h.clock.advance(1_000);
    fake.refunds.settle(refundId, 'succeeded');
    const settled = eventsAbout(refundId).find((e) => e.type === 'refund.updated')!;
    await h.deliver(settled).expect(200);
    note = (await notes.get('cn-early-1')).body;
    expect(note.refund.status).toBe('succeeded');
  });

  it('survives a Stripe outage in the middle: the note is stored, then pushed once', async () => {
    const { invoice } = await openInvoice('cn-outage');
    const since = fake.requests.length;
    fake.faults.failNext(3, 503);
    const issued = await notes
      .issue(invoice.id, { creditNoteId: 'cn-outage-1', amount: '2.50' })
      .expect(201);
    expect(['pending', 'pushed']).toContain(issued.body.provider.status);
    expect(await h.invoice(invoice.id)).toMatchObject({ amountDue: '7.50', creditedTotal: '2.50' });
    await settleEvents(h.t);
    const note = (await notes.get('cn-outage-1')).body;
    expect(note.provider).toMatchObject({
      status: 'pushed',
      providerCreditNoteId: expect.any(String),
    });
    expect(stripeNotesOf('cn-outage-1')).toHaveLength(1);
    // Stripe failed in the middle (the lookup or the create), and the note was still made once.
    const calls = fake.requests.slice(since).filter((r) => r.path.startsWith('/v1/credit_notes'));
    expect(calls.some((r) => r.outcome === 'fault')).toBe(true);
    const creates = calls.filter((r) => r.path === '/v1/credit_notes' && r.method === 'POST');
    expect(creates.every((r) => r.idempotencyKey === 'billing-cn-cn-outage-1')).toBe(true);
    expect(creates.filter((r) => r.outcome === 'handled')).toHaveLength(1);
    expect(fake.state.invoices.get(note.provider.providerInvoiceId as string)).toMatchObject({
      amount_due: 750,
    });
  });

  it('makes one Stripe credit note when Stripe’s answer is lost after it committed', async () => {
    const { invoice } = await openInvoice('cn-lost');
    fake.faults.dropResponseAfterCommit(2);
    const issued = await notes
      .issue(invoice.id, { creditNoteId: 'cn-lost-1', amount: '1.00' })
      .expect(201);
    await settleEvents(h.t);
    const note = (await notes.get('cn-lost-1')).body;
    expect(note.provider).toMatchObject({ status: 'pushed' });
    expect(stripeNotesOf('cn-lost-1')).toHaveLength(1);
    const creates = fake.requests.filter(
      (r) => r.path === '/v1/credit_notes' && r.idempotencyKey === 'billing-cn-cn-lost-1',
    );
    expect(creates.map((r) => r.outcome)).toContain('dropped');
    expect(issued.body.id).toBe('cn-lost-1');
  });

  it('voids at Stripe what it voids here', async () => {
    const { invoice, stripeId } = await openInvoice('cn-void');
    await notes.issue(invoice.id, { creditNoteId: 'cn-void-1', amount: '3.00' }).expect(201);
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ amount_due: 700 });
    const voided = await notes.void('cn-void-1').expect(200);
    expect(voided.body).toMatchObject({ status: 'void', provider: { status: 'voided' } });
    expect(stripeNotesOf('cn-void-1')[0]).toMatchObject({ status: 'void' });
    expect(fake.state.invoices.get(stripeId)).toMatchObject({ amount_due: 1000 });
    expect(await h.invoice(invoice.id)).toMatchObject({
      amountDue: '10.00',
      creditedTotal: '0.00',
    });
    const voids = fake.requests.filter(
      (r) =>
        r.path === `/v1/credit_notes/${voided.body.provider.providerCreditNoteId as string}/void`,
    );
    expect(voids.every((r) => r.idempotencyKey === 'billing-cn-cn-void-1-void')).toBe(true);
    expect(voids.filter((r) => r.outcome === 'handled')).toHaveLength(1);
    // Stripe's credit_note.voided, delivered after: nothing more to do.
    const event = fake.events.find(
      (e) => e.type === 'credit_note.voided' && (e.data as { object: Obj }).object.metadata,
    )!;
    expect((await h.deliver(event)).status).toBe(200);
  });
});
