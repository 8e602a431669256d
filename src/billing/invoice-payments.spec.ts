import { InvoiceNotPayable, Overpayment, PaymentConflict } from './invoice.errors';
import type { Invoice, InvoicePayment } from './invoice.model';
import { paymentOf, samePayment, withPayment } from './invoice-payments';
import { ValidationFailed } from '../common/errors/domain-error';

const NOW = new Date('2026-12-02T10:00:00.000Z');

const invoice = (over: Partial<Invoice> = {}): Invoice =>
  ({
    id: 'inv_acme_2026-11',
    status: 'open',
    currency: 'USD',
    lines: [],
    total: '25.00',
    credits: '0.00',
    amountDue: '25.00',
    creditedTotal: '0.00',
    amountPaid: '0',
    ...over,
  }) as Invoice;

const payment = (amount: string, id = 'p-1'): InvoicePayment => ({
  id,
  amount,
  method: 'bank_transfer',
  reference: null,
  paidAt: '2026-12-01T09:00:00.000Z',
  recordedAt: NOW.toISOString(),
});

describe('paymentOf', () => {
  const input = { amount: '10.5', paidAt: '2026-12-01T09:00:00Z', method: 'check' as const };

  it('normalizes the amount to the currency and the instant to ISO', () => {
    expect(paymentOf(invoice(), input, 'p-1', NOW)).toEqual({
      id: 'p-1',
      amount: '10.50',
      method: 'check',
      reference: null,
      paidAt: '2026-12-01T09:00:00.000Z',
      recordedAt: NOW.toISOString(),
    });
  });

  it.each([['0'], ['-1'], ['1.001'], ['abc']])('refuses the amount %s', (amount) => {
    expect(() => paymentOf(invoice(), { ...input, amount }, 'p', NOW)).toThrow(ValidationFailed);
  });

  it('refuses JPY decimals and paidAt more than a minute ahead', () => {
    expect(() =>
      paymentOf(invoice({ currency: 'JPY' }), { ...input, amount: '1.5' }, 'p', NOW),
    ).toThrow(ValidationFailed);
    expect(() =>
      paymentOf(invoice(), { ...input, paidAt: '2026-12-02T10:01:01Z' }, 'p', NOW),
    ).toThrow(ValidationFailed);
    expect(
      paymentOf(invoice(), { ...input, paidAt: '2026-12-02T10:00:59Z' }, 'p', NOW).paidAt,
    ).toBe('2026-12-02T10:00:59.000Z');
  });
});

describe('withPayment', () => {
  it('adds partial payments up and settles the invoice exactly when covered', () => {
    const part = withPayment(invoice(), payment('10.00'));
    expect(part).toMatchObject({ status: 'open', amountPaid: '10.00' });
    const full = withPayment(part, payment('15.00', 'p-2'));
    expect(full).toMatchObject({
      status: 'paid',
      amountPaid: '25.00',
      paidAt: '2026-12-01T09:00:00.000Z',
    });
    expect(full.payments!.map((p) => p.id)).toEqual(['p-1', 'p-2']);
  });

  it('refuses more than what is still due, and invoices not owed', () => {
    const part = withPayment(invoice({ amountDue: '20.00' }), payment('10.00'));
    expect(() => withPayment(part, payment('10.01', 'p-2'))).toThrow(Overpayment);
    for (const status of ['draft', 'void', 'paid'] as const) {
      expect(() => withPayment(invoice({ status }), payment('1.00'))).toThrow(InvoiceNotPayable);
    }
    expect(withPayment(invoice({ status: 'uncollectible' }), payment('25.00')).status).toBe('paid');
  });
});

describe('samePayment', () => {
  it('answers the stored payment for the same request and names what differs otherwise', () => {
    const stored = payment('10.00');
    expect(samePayment('inv', stored, { ...stored, recordedAt: 'later' })).toBe(stored);
    expect(() =>
      samePayment('inv', stored, { ...stored, amount: '10.01', reference: 'x' }),
    ).toThrow(new PaymentConflict('inv', 'p-1', ['amount', 'reference']));
  });
});
