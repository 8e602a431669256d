import type { Invoice } from '../billing/invoice.model';
import { type NoteRequest, parseRequest, planNote, sameNote } from './credit-note-plan';
import type { CreditNote } from './credit-note.model';

const AT = '2026-12-03T10:00:00.000Z';
const stripe = { enabled: true, name: 'stripe' };

/** Paid at Stripe: 25.00 priced, 10.00 of it by prepaid credits, 15.00 by card. */
const invoice = (over: Partial<Invoice> = {}): Invoice =>
  ({
    id: 'inv_acme_2026-11',
    number: 'INV-202611-000001',
    customerId: 'acme',
    period: '2026-11',
    currency: 'USD',
    status: 'paid',
    lines: [{ id: 'L1', kind: 'usage', description: 'usage', amount: '25.00' }],
    total: '25.00',
    credits: '10.00',
    amountDue: '15.00',
    amountPaid: '15.00',
    creditedTotal: '0.00',
    provider: { invoiceId: 'in_1', number: 'A-1', hostedUrl: null, status: 'paid' },
    ...over,
  }) as Invoice;

const request = (body: Record<string, unknown>, id = 'cn-1'): NoteRequest =>
  parseRequest({ currency: 'USD' }, { reason: 'other', ...body }, id);

const plan = (
  req: NoteRequest,
  notes: CreditNote[] = [],
  over: Partial<Invoice> = {},
  reducesAmountDue = false,
) => {
  const before = invoice(over);
  return planNote({
    request: req,
    number: 'CN-202612-000001',
    change: { before, after: before, reducesAmountDue },
    notes,
    provider: stripe,
    at: AT,
  });
};

describe('planNote', () => {
  it('mirrors at Stripe only what its invoice holds (prepaid credits never went there)', () => {
    const first = plan(request({ amount: '20.00', refund: '12.00', credit: '8.00' }));
    expect(first).toMatchObject({
      type: 'post_payment',
      refund: { amount: '12.00', status: 'pending' },
      credit: { amount: '8.00', grantId: 'cn_cn-1' },
      provider: { status: 'pending', amount: '15.00', providerInvoiceId: 'in_1' },
    });
    // Nothing left there: a refund cannot go through Stripe, a credit needs no mirror.
    expect(() =>
      plan(request({ amount: '5.00', refund: '1.00', credit: '4.00' }), [first]),
    ).toThrow(expect.objectContaining({ code: 'CREDIT_NOTE_EXCEEDS_PAYMENT' }));
    expect(plan(request({ amount: '5.00', credit: '5.00' }), [first]).provider).toBeNull();
    // A void note leaves its room again.
    const voided = { ...first, status: 'void' as const };
    expect(plan(request({ amount: '5.00', credit: '5.00' }), [voided]).provider).toMatchObject({
      amount: '5.00',
    });
  });

  it('records a refund as refunded when the invoice is not at a provider', () => {
    const note = plan(request({ amount: '5.00', refund: '5.00' }), [], { provider: null });
    expect(note).toMatchObject({
      provider: null,
      refund: { status: 'succeeded', processedAt: AT },
    });
  });

  it('takes a note on an owed invoice off what is due, refusing refund and credit', () => {
    const owed = { status: 'open' as const, amountPaid: '0' };
    expect(plan(request({ amount: '5.00' }), [], owed, true)).toMatchObject({
      type: 'pre_payment',
      refund: { status: 'none' },
      provider: { amount: '5.00' },
    });
    expect(() => plan(request({ amount: '5.00', credit: '5.00' }), [], owed, true)).toThrow(
      expect.objectContaining({ code: 'CREDIT_NOTE_AMOUNTS_INVALID' }),
    );
  });
});

describe('sameNote', () => {
  it('compares amounts as decimals and names what differs', () => {
    const stored = plan(request({ amount: '5.00', credit: '5.00' }));
    expect(sameNote(stored, 'inv_acme_2026-11', request({ amount: '5', credit: '5.0' }))).toBe(
      stored,
    );
    expect(() =>
      sameNote(stored, 'inv_other', request({ amount: '5.00', refund: '5.00' })),
    ).toThrow(
      expect.objectContaining({
        code: 'CREDIT_NOTE_CONFLICT',
        details: { creditNoteId: 'cn-1', differs: ['invoiceId', 'refund', 'credit'] },
      }),
    );
  });
});
