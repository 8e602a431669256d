import { InvoicesService } from '../src/billing/invoices.service';
import { Clock } from '../src/common/time/clock';
import type { BillingEventFor, BillingEventType } from '../src/events';
import { CreditNotesApi, noteEventRecorder, settleEvents } from './support/credit-notes';
import { CreditsScenario } from './support/credits';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Credit notes without a payment provider: on open, uncollectible and paid invoices, within the
 * invoice's lines and total, refunds recorded as refunded, credit as a `credit_note` grant that
 * pays the next invoice, the void rules, idempotent retries, previews that store nothing, and
 * numbers from one counter.
 */

const NOVEMBER_USAGE = '2026-11-02T10:00:00Z';
const DURING = '2026-11-20T12:00:00Z';
const AFTER = '2026-12-01T00:05:00Z';

describe('Credit notes (e2e)', () => {
  const clock = new FakeClock(DURING);
  const events: BillingEventFor<BillingEventType>[] = [];
  let t: TestApp;
  let s: CreditsScenario;
  let notes: CreditNotesApi;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CREDITS_EXPIRY_SWEEP_SECONDS: '0' },
      overrides: [[Clock, clock]],
      imports: [noteEventRecorder(events)],
    });
    s = new CreditsScenario(t);
    notes = new CreditNotesApi(t);
    await s.plan('metered', { unitAmount: '0.10', baseFee: '5.00' }).expect(201);
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(DURING));

  /**
   * A finalized November invoice of 25.00: L1 usage 20.00 (200 units), L2 base fee 5.00. Open,
   * or moved to `status` as a payment (or the dunning) would.
   */
  async function invoiceOf(id: string, status: 'open' | 'paid' | 'uncollectible' = 'open') {
    clock.set(DURING);
    await s.customer(id, 'metered').expect(201);
    await s.usage(id, 200, NOVEMBER_USAGE).expect(201);
    await s.invoice(id, '2026-11').expect(201);
    clock.set(AFTER);
    const invoiceId = `inv_${id}_2026-11`;
    const open = await s.finalize(invoiceId).expect(200);
    expect(open.body).toMatchObject({
      status: 'open',
      total: '25.00',
      amountDue: '25.00',
      creditedTotal: '0.00',
      lines: [
        { id: 'L1', kind: 'usage', amount: '20.00' },
        { id: 'L2', kind: 'base_fee', amount: '5.00' },
      ],
    });
    const invoices = t.app.get(InvoicesService);
    if (status === 'paid') {
      await invoices.transition(invoiceId, 'paid', (c, at) => ({
        ...c,
        paidAt: at,
        amountPaid: c.amountDue,
      }));
    } else if (status === 'uncollectible') {
      await invoices.transition(invoiceId, 'uncollectible', (c, at) => ({
        ...c,
        markedUncollectibleAt: at,
      }));
    }
    return invoiceId;
  }

  const invoiceBody = async (invoiceId: string) =>
    (await notes.invoice(invoiceId).expect(200)).body;

  describe('on an open invoice', () => {
    it('previews without storing anything, then takes the note off what is due', async () => {
      const invoiceId = await invoiceOf('open-1');
      const body = { creditNoteId: 'open-1-a', lines: [{ lineId: 'L1', amount: '4.00' }] };

      const preview = await notes.preview(invoiceId, body).expect(200);
      expect(preview.body).toMatchObject({
        creditNote: {
          id: 'open-1-a',
          number: null,
          type: 'pre_payment',
          total: '4.00',
          lines: [{ lineId: 'L1', amount: '4.00' }],
          refund: { amount: '0.00', status: 'none' },
          credit: { amount: '0.00', grantId: null },
          provider: null,
        },
        invoice: { id: invoiceId, status: 'open', amountDue: '21.00', creditedTotal: '4.00' },
      });
      // Nothing stored: the invoice, its notes and the note's id are as before.
      expect(await invoiceBody(invoiceId)).toMatchObject({
        amountDue: '25.00',
        creditedTotal: '0.00',
      });
      expect((await notes.ofInvoice(invoiceId).expect(200)).body.data).toEqual([]);
      await notes.get('open-1-a').expect(404);

      const issued = await notes.issue(invoiceId, { ...body, memo: 'Outage on 12 November' });
      expect(issued.status).toBe(201);
      expect(issued.body).toMatchObject({
        id: 'open-1-a',
        customerId: 'open-1',
        invoiceId,
        status: 'issued',
        type: 'pre_payment',
        reason: 'order_change',
        memo: 'Outage on 12 November',
        total: '4.00',
        lines: [
          { lineId: 'L1', amount: '4.00', description: expect.stringContaining('200 units') },
        ],
        refund: { status: 'none' },
        provider: null,
        voidedAt: null,
      });
      expect(issued.body.number).toMatch(/^CN-202612-\d{6}$/);
      const invoice = await invoiceBody(invoiceId);
      expect(invoice).toMatchObject({
        status: 'open',
        total: '25.00',
        amountDue: '21.00',
        creditedTotal: '4.00',
      });
      expect(invoice.lines[0]).toMatchObject({ id: 'L1', credited: '4.00' });
      expect(invoice.lines[1]).not.toHaveProperty('credited');
    });

    it('refuses over-crediting a line or the invoice, and lines it does not have', async () => {
      const invoiceId = await invoiceOf('open-cap');
      await notes.issue(invoiceId, { lines: [{ lineId: 'L1', amount: '15.00' }] }).expect(201);

      const overLine = await notes
        .issue(invoiceId, { lines: [{ lineId: 'L1', amount: '5.01' }] })
        .expect(422);
      expect(overLine.body).toMatchObject({
        error: 'CREDIT_NOTE_EXCEEDS_LINE',
        details: { lineId: 'L1', lineAmount: '20.00', credited: '15.00', requested: '5.01' },
      });
      const baseFee = await notes
        .issue(invoiceId, { lines: [{ lineId: 'L2', amount: '5.50' }] })
        .expect(422);
      expect(baseFee.body.error).toBe('CREDIT_NOTE_EXCEEDS_LINE');
      const unknown = await notes
        .issue(invoiceId, { lines: [{ lineId: 'L9', amount: '1.00' }] })
        .expect(422);
      expect(unknown.body).toMatchObject({
        error: 'UNKNOWN_INVOICE_LINE',
        details: { lineId: 'L9' },
      });
      const overTotal10 = await notes.issue(invoiceId, { amount: '10.01' }).expect(422);
      expect(overTotal10.body).toMatchObject({
        error: 'CREDIT_NOTE_EXCEEDS_INVOICE',
        details: { total: '25.00', creditedTotal: '15.00', requested: '10.01' },
      });
      const refund = await notes.issue(invoiceId, { amount: '1.00', refund: '1.00' }).expect(422);
      expect(refund.body.error).toBe('CREDIT_NOTE_AMOUNTS_INVALID');

      // What is left (10.00) settles the invoice: paid, nothing due, like finalizing with nothing due.
      const rest = await notes
        .issue(invoiceId, {
          lines: [
            { lineId: 'L1', amount: '5.00' },
            { lineId: 'L2', amount: '5.00' },
          ],
        })
        .expect(201);
      expect(rest.body).toMatchObject({ type: 'pre_payment', total: '10.00' });
      expect(await invoiceBody(invoiceId)).toMatchObject({
        status: 'paid',
        amountDue: '0.00',
        creditedTotal: '25.00',
        amountPaid: '0',
      });
      // The invoice is fully credited: nothing more, whatever the note says.
      const overTotal = await notes
        .issue(invoiceId, { amount: '0.01', credit: '0.01' })
        .expect(422);
      expect(overTotal.body).toMatchObject({
        error: 'CREDIT_NOTE_EXCEEDS_INVOICE',
        details: { total: '25.00', creditedTotal: '25.00', requested: '0.01' },
      });
      // A note that reduced what a since-paid invoice asked for stays.
      const voided = await notes.void(rest.body.id as string).expect(409);
      expect(voided.body).toMatchObject({
        error: 'CREDIT_NOTE_NOT_VOIDABLE',
        details: { reason: 'invoice_settled' },
      });
      const ofInvoice = await notes.ofInvoice(invoiceId).expect(200);
      expect(ofInvoice.body.data.map((n: { total: string }) => n.total)).toEqual([
        '15.00',
        '10.00',
      ]);
    });

    it('never takes what is due below zero when prepaid credits paid part of the invoice', async () => {
      clock.set(DURING);
      await s.customer('open-prepaid', 'metered').expect(201);
      await s.usage('open-prepaid', 200, NOVEMBER_USAGE).expect(201);
      await s
        .grant('open-prepaid', { grantId: 'promo', amount: '10.00', effectiveAt: '2026-11-01' })
        .expect(201);
      await s.invoice('open-prepaid', '2026-11').expect(201);
      clock.set(AFTER);
      const invoiceId = 'inv_open-prepaid_2026-11';
      expect((await s.finalize(invoiceId).expect(200)).body).toMatchObject({
        total: '25.00',
        credits: '10.00',
        amountDue: '15.00',
      });
      const overDue = await notes.issue(invoiceId, { amount: '15.01' }).expect(422);
      expect(overDue.body).toMatchObject({
        error: 'CREDIT_NOTE_EXCEEDS_AMOUNT_DUE',
        details: { amountDue: '15.00', requested: '15.01' },
      });
      await notes.issue(invoiceId, { amount: '15.00' }).expect(201);
      expect(await invoiceBody(invoiceId)).toMatchObject({
        status: 'paid',
        amountDue: '0.00',
        creditedTotal: '15.00',
      });
    });

    it('checks the request: lines or one amount, amounts in the currency, each line once', async () => {
      const invoiceId = await invoiceOf('open-input');
      const cases: [Record<string, unknown>, string][] = [
        [{ amount: '1.00', lines: [{ lineId: 'L1', amount: '1.00' }] }, 'amount'],
        [{}, 'lines'],
        [{ amount: '1.001' }, 'amount'],
        [{ amount: '0' }, 'amount'],
        [{ amount: '-1.00' }, 'amount'],
        [
          {
            lines: [
              { lineId: 'L1', amount: '1.00' },
              { lineId: 'L1', amount: '1.00' },
            ],
          },
          'lines.1.lineId',
        ],
        [{ amount: '1.00', refund: '1e2' }, 'refund'],
      ];
      for (const [body, field] of cases) {
        const res = await notes.issue(invoiceId, body).expect(400);
        expect(res.body.error).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(res.body.details)).toContain(field);
      }
      await notes.issue(invoiceId, { amount: '1.00', reason: 'because' }).expect(400);
      await notes.issue(invoiceId, { amount: 1 }).expect(400);
      expect((await notes.ofInvoice(invoiceId)).body.data).toEqual([]);
    });

    it('is idempotent on creditNoteId: the same body answers the note, another one is a conflict', async () => {
      const invoiceId = await invoiceOf('open-idem');
      const body = { creditNoteId: 'idem-1', amount: '3.00', memo: 'goodwill' };
      const first = await notes.issue(invoiceId, body).expect(201);
      const again = await notes.issue(invoiceId, { ...body, amount: '3' }).expect(200);
      expect(again.body).toEqual(first.body);
      const other = await notes.issue(invoiceId, { ...body, amount: '4.00' }).expect(409);
      expect(other.body).toMatchObject({
        error: 'CREDIT_NOTE_CONFLICT',
        details: { creditNoteId: 'idem-1', differs: ['amount'] },
      });
      const asLines = await notes
        .issue(invoiceId, { ...body, amount: undefined, lines: [{ lineId: 'L1', amount: '3.00' }] })
        .expect(409);
      expect(asLines.body.details.differs).toEqual(['lines']);
      // Racing retries still make one note.
      const raced = await Promise.all(
        [1, 2, 3].map(() => notes.issue(invoiceId, { creditNoteId: 'idem-2', amount: '1.00' })),
      );
      expect(raced.map((r) => r.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(raced.map((r) => r.body.number as string)).size).toBe(1);
      expect(await invoiceBody(invoiceId)).toMatchObject({
        amountDue: '21.00',
        creditedTotal: '4.00',
      });
    });

    it('numbers notes from one counter, with no gap for refused requests', async () => {
      const invoiceId = await invoiceOf('open-num');
      const first = await notes.issue(invoiceId, { amount: '1.00' }).expect(201);
      await notes.issue(invoiceId, { amount: '100.00' }).expect(422);
      const second = await notes.issue(invoiceId, { amount: '1.00' }).expect(201);
      const third = await notes.issue(invoiceId, { amount: '1.00' }).expect(201);
      const seq = (n: string) => Number(n.slice(-6));
      const numbers = [first, second, third].map((r) => seq(r.body.number as string));
      expect(numbers).toEqual([numbers[0], numbers[0] + 1, numbers[0] + 2]);
    });

    it('voids a note: what it took off is due again; voiding twice changes nothing', async () => {
      const invoiceId = await invoiceOf('open-void');
      const note = await notes
        .issue(invoiceId, {
          creditNoteId: 'open-void-1',
          lines: [{ lineId: 'L2', amount: '5.00' }],
        })
        .expect(201);
      expect(await invoiceBody(invoiceId)).toMatchObject({ amountDue: '20.00' });
      const voided = await notes.void('open-void-1', { reason: 'Issued by mistake' }).expect(200);
      expect(voided.body).toMatchObject({
        status: 'void',
        voidReason: 'Issued by mistake',
        number: note.body.number,
      });
      expect(voided.body.voidedAt).toEqual(expect.any(String));
      const invoice = await invoiceBody(invoiceId);
      expect(invoice).toMatchObject({ status: 'open', amountDue: '25.00', creditedTotal: '0.00' });
      expect(invoice.lines[1]).toMatchObject({ id: 'L2', credited: '0.00' });
      const again = await notes.void('open-void-1').expect(200);
      expect(again.body).toEqual(voided.body);
      // The line is creditable in full again.
      await notes.issue(invoiceId, { lines: [{ lineId: 'L2', amount: '5.00' }] }).expect(201);
      await notes.void('nope').expect(404);
    });
  });

  it('credits an uncollectible invoice like an open one', async () => {
    const invoiceId = await invoiceOf('uncollectible-1', 'uncollectible');
    const note = await notes.issue(invoiceId, { amount: '5.00', reason: 'fraudulent' }).expect(201);
    expect(note.body).toMatchObject({ type: 'pre_payment', reason: 'fraudulent' });
    expect(await invoiceBody(invoiceId)).toMatchObject({
      status: 'uncollectible',
      amountDue: '20.00',
      creditedTotal: '5.00',
    });
    await notes.void(note.body.id as string).expect(200);
    expect(await invoiceBody(invoiceId)).toMatchObject({
      amountDue: '25.00',
      creditedTotal: '0.00',
    });
  });

  it('refuses drafts and void invoices', async () => {
    await s.customer('not-final', 'metered').expect(201);
    await s.usage('not-final', 10, NOVEMBER_USAGE).expect(201);
    await s.invoice('not-final', '2026-11').expect(201);
    const draft = await notes.issue('inv_not-final_2026-11', { amount: '1.00' }).expect(409);
    expect(draft.body).toMatchObject({
      error: 'INVOICE_NOT_CREDITABLE',
      details: { status: 'draft' },
    });
    await notes.preview('inv_not-final_2026-11', { amount: '1.00' }).expect(409);
    await s.voidInvoice('inv_not-final_2026-11').expect(200);
    const voided = await notes.issue('inv_not-final_2026-11', { amount: '1.00' }).expect(409);
    expect(voided.body.details).toEqual({ status: 'void' });
    await notes.issue('inv_nobody_2026-11', { amount: '1.00' }).expect(404);
    await notes.ofInvoice('inv_nobody_2026-11').expect(404);
  });

  describe('on a paid invoice', () => {
    it('records the refund as refunded and turns the credit into a credit_note grant, in one change', async () => {
      const invoiceId = await invoiceOf('paid-1', 'paid');
      const mismatch = await notes
        .issue(invoiceId, { amount: '10.00', refund: '6.00', credit: '3.00' })
        .expect(422);
      expect(mismatch.body).toMatchObject({
        error: 'CREDIT_NOTE_AMOUNTS_INVALID',
        details: { total: '10.00', refund: '6.00', credit: '3.00' },
      });
      const note = await notes
        .issue(invoiceId, {
          creditNoteId: 'paid-1-a',
          reason: 'product_unsatisfactory',
          lines: [
            { lineId: 'L1', amount: '8.00' },
            { lineId: 'L2', amount: '2.00' },
          ],
          refund: '6.00',
          credit: '4.00',
        })
        .expect(201);
      expect(note.body).toMatchObject({
        type: 'post_payment',
        total: '10.00',
        refund: { amount: '6.00', status: 'succeeded', refunds: [] },
        credit: { amount: '4.00', grantId: 'cn_paid-1-a' },
        provider: null,
      });
      expect(note.body.refund.processedAt).toBe(AFTER.replace('Z', '.000Z'));
      // A paid invoice keeps what was due; what was credited is on it.
      expect(await invoiceBody(invoiceId)).toMatchObject({
        status: 'paid',
        amountDue: '25.00',
        amountPaid: '25.00',
        creditedTotal: '10.00',
      });
      const grant = await s.getGrant('paid-1', 'cn_paid-1-a').expect(200);
      expect(grant.body).toMatchObject({
        kind: 'credit_note',
        amount: '4.00',
        remaining: '4.00',
        status: 'active',
        expiresAt: null,
        effectiveAt: '2026-12-01T00:00:00.000Z',
        metadata: { creditNoteId: 'paid-1-a', invoiceId },
      });
      expect((await s.balance('paid-1')).body.available).toBe('4.00');

      const overTotal = await notes
        .issue(invoiceId, { amount: '15.01', refund: '15.01' })
        .expect(422);
      expect(overTotal.body.error).toBe('CREDIT_NOTE_EXCEEDS_INVOICE');

      // Refunded: the note stands.
      const refunded = await notes.void('paid-1-a').expect(409);
      expect(refunded.body).toMatchObject({
        error: 'CREDIT_NOTE_NOT_VOIDABLE',
        details: { reason: 'refunded' },
      });

      await settleEvents(t);
      const mine = events.filter((e) => e.customerId === 'paid-1');
      expect(
        mine.filter((e) => e.type === 'billing.credit_note.created').map((e) => e.data),
      ).toEqual([
        expect.objectContaining({
          creditNoteId: 'paid-1-a',
          number: note.body.number,
          invoiceId,
          type: 'post_payment',
          total: '10.00',
          refund: '6.00',
          credit: '4.00',
          grantId: 'cn_paid-1-a',
          refundStatus: 'succeeded',
        }),
      ]);
      expect(mine.filter((e) => e.type === 'billing.refund.processed').map((e) => e.data)).toEqual([
        expect.objectContaining({
          creditNoteId: 'paid-1-a',
          amount: '6.00',
          status: 'succeeded',
          provider: null,
          providerRefundIds: [],
        }),
      ]);
      expect(mine.filter((e) => e.type === 'billing.credits.granted').map((e) => e.data)).toEqual([
        expect.objectContaining({ grantId: 'cn_paid-1-a', kind: 'credit_note', amount: '4.00' }),
      ]);
    });

    it('refunds at most what was paid: prepaid credits paid the rest, which can come back as credit', async () => {
      clock.set(DURING);
      await s.customer('paid-cap', 'metered').expect(201);
      await s.usage('paid-cap', 200, NOVEMBER_USAGE).expect(201);
      await s
        .grant('paid-cap', { grantId: 'promo', amount: '10.00', effectiveAt: '2026-11-01' })
        .expect(201);
      await s.invoice('paid-cap', '2026-11').expect(201);
      clock.set(AFTER);
      const invoiceId = 'inv_paid-cap_2026-11';
      await s.finalize(invoiceId).expect(200);
      await t.app.get(InvoicesService).transition(invoiceId, 'paid', (c, at) => ({
        ...c,
        paidAt: at,
        amountPaid: c.amountDue,
      }));
      expect(await invoiceBody(invoiceId)).toMatchObject({
        credits: '10.00',
        amountDue: '15.00',
        amountPaid: '15.00',
      });
      const tooMuch = await notes
        .issue(invoiceId, { amount: '20.00', refund: '15.01', credit: '4.99' })
        .expect(422);
      expect(tooMuch.body).toMatchObject({
        error: 'CREDIT_NOTE_EXCEEDS_PAYMENT',
        details: { refundable: '15.00', requested: '15.01' },
      });
      await notes
        .issue(invoiceId, { amount: '20.00', refund: '12.00', credit: '8.00' })
        .expect(201);
      const more = await notes.issue(invoiceId, { amount: '5.00', refund: '3.01', credit: '1.99' });
      expect(more.status).toBe(422);
      expect(more.body.details).toEqual({ refundable: '3.00', requested: '3.01' });
      await notes.issue(invoiceId, { amount: '5.00', refund: '3.00', credit: '2.00' }).expect(201);
      expect(await invoiceBody(invoiceId)).toMatchObject({ creditedTotal: '25.00' });
    });

    it('lets the credit pay the next invoice; spent credit makes the note stay', async () => {
      const invoiceId = await invoiceOf('next-1', 'paid');
      await notes
        .issue(invoiceId, { creditNoteId: 'next-1-a', amount: '10.00', credit: '10.00' })
        .expect(201);
      // December: 200 units (20.00) and the base fee (5.00), invoiced in January.
      clock.set('2026-12-05T10:00:00Z');
      await s.usage('next-1', 200, '2026-12-05T09:00:00Z').expect(201);
      await s.invoice('next-1', '2026-12').expect(201);
      clock.set('2027-01-01T00:05:00Z');
      const december = await s.finalize('inv_next-1_2026-12').expect(200);
      expect(december.body).toMatchObject({
        status: 'open',
        total: '25.00',
        credits: '10.00',
        amountDue: '15.00',
      });
      expect(december.body.lines.at(-1)).toMatchObject({
        kind: 'credit',
        amount: '-10.00',
        reference: 'cn_next-1-a',
      });
      const spent = await notes.void('next-1-a').expect(409);
      expect(spent.body).toMatchObject({
        error: 'CREDIT_NOTE_NOT_VOIDABLE',
        details: { reason: 'credit_spent' },
      });
      expect(spent.body.message).toContain('10.00 USD of its credit');
      expect((await notes.get('next-1-a')).body.status).toBe('issued');
      expect(await invoiceBody(invoiceId)).toMatchObject({ creditedTotal: '10.00' });
    });

    it('voids a note with unspent credit: the grant is voided with it', async () => {
      const invoiceId = await invoiceOf('unspent-1', 'paid');
      await notes
        .issue(invoiceId, { creditNoteId: 'unspent-1-a', amount: '7.50', credit: '7.50' })
        .expect(201);
      // The grant belongs to its note: it is not voided on its own.
      const direct = await s.voidGrant('unspent-1', 'cn_unspent-1-a').expect(409);
      expect(direct.body.error).toBe('CREDIT_GRANT_OF_CREDIT_NOTE');
      const grantKind = await s
        .grant('unspent-1', { amount: '1.00', kind: 'credit_note' })
        .expect(400);
      expect(grantKind.body.error).toBe('VALIDATION_FAILED');

      const voided = await notes.void('unspent-1-a').expect(200);
      expect(voided.body).toMatchObject({ status: 'void', credit: { grantId: 'cn_unspent-1-a' } });
      expect((await s.getGrant('unspent-1', 'cn_unspent-1-a')).body).toMatchObject({
        status: 'voided',
        remaining: '0.00',
      });
      expect((await s.balance('unspent-1')).body.available).toBe('0.00');
      expect(await invoiceBody(invoiceId)).toMatchObject({
        status: 'paid',
        amountDue: '25.00',
        creditedTotal: '0.00',
      });
      expect((await s.ledger('unspent-1')).body.data.map((e: { type: string }) => e.type)).toEqual([
        'voided',
        'grant',
      ]);
      await notes.void('unspent-1-a').expect(200);
      await settleEvents(t);
      expect(
        events
          .filter((e) => e.type === 'billing.credit_note.voided' && e.customerId === 'unspent-1')
          .map((e) => e.data),
      ).toEqual([expect.objectContaining({ creditNoteId: 'unspent-1-a', status: 'void' })]);
    });
  });

  it('lists a customer’s notes newest first, and audits every change', async () => {
    const invoiceId = await invoiceOf('list-1');
    // Audit records sort by time: each change a second after the one before.
    clock.advance(1_000);
    await notes.issue(invoiceId, { creditNoteId: 'list-1-a', amount: '1.00' }).expect(201);
    clock.advance(1_000);
    await notes.issue(invoiceId, { creditNoteId: 'list-1-b', amount: '2.00' }).expect(201);
    clock.advance(1_000);
    await notes.void('list-1-a').expect(200);
    const page = await notes.ofCustomer('list-1', '?limit=1').expect(200);
    expect(page.body.data.map((n: { id: string }) => n.id)).toEqual(['list-1-b']);
    const next = await notes
      .ofCustomer('list-1', `?limit=1&cursor=${page.body.nextCursor as string}`)
      .expect(200);
    expect(next.body.data.map((n: { id: string; status: string }) => [n.id, n.status])).toEqual([
      ['list-1-a', 'void'],
    ]);
    await notes.ofCustomer('nobody').expect(404);

    const audit = await t.http
      .get('/v1/audit?entityType=credit_note&entityId=list-1-a')
      .set(t.auth())
      .expect(200);
    expect(audit.body.data.map((a: { operation: string }) => a.operation)).toEqual([
      'credit_note.void',
      'credit_note.create',
    ]);
    const invoiceAudit = await t.http
      .get(`/v1/audit?entityType=invoice&entityId=${invoiceId}`)
      .set(t.auth())
      .expect(200);
    // The invoice's own changes (the documents module audits renders of it too).
    expect(
      invoiceAudit.body.data
        .map((a: { operation: string }) => a.operation)
        .filter((operation: string) => operation.startsWith('invoice.'))
        .slice(0, 3),
    ).toEqual(['invoice.uncredit', 'invoice.credit', 'invoice.credit']);
  });

  it('counts credit notes in the billing report', async () => {
    const invoiceId = await invoiceOf('report-1');
    await notes.issue(invoiceId, { amount: '5.00' }).expect(201);
    const report = await t.http
      .get('/v1/reports/billing?period=2026-11')
      .set(t.auth('read'))
      .expect(200);
    const row = report.body.rows.find((r: { customerId: string }) => r.customerId === 'report-1');
    expect(row).toMatchObject({
      status: 'open',
      total: '25.00',
      outstanding: '20.00',
      credited: '5.00',
    });
    const usd = report.body.totals.find((x: { currency: string }) => x.currency === 'USD');
    expect(Number(usd.credited)).toBeGreaterThanOrEqual(5);
    expect(usd.byStatus.open.credited).not.toBe('0.00');
  });
});
