import { withCredit, withoutCredit } from './invoice-credits';
import type { Invoice } from './invoice.model';

const AT = '2026-12-01T00:05:00.000Z';

/** 25.00: L1 usage 20.00, L2 base fee 5.00, and a prepaid-credit line of 10.00. */
const invoice = (over: Partial<Invoice> = {}): Invoice =>
  ({
    id: 'inv_acme_2026-11',
    status: 'open',
    currency: 'USD',
    lines: [
      { id: 'L1', kind: 'usage', description: 'usage', amount: '20.00' },
      { id: 'L2', kind: 'base_fee', description: 'base fee', amount: '5.00' },
      { id: 'credits-1', kind: 'credit', description: 'prepaid', amount: '-10.00' },
    ],
    total: '25.00',
    credits: '10.00',
    amountDue: '15.00',
    creditedTotal: '0.00',
    amountPaid: '0',
    ...over,
  }) as Invoice;

const credit = (total: string, lines: { lineId: string; amount: string }[] = []) => ({
  creditNoteId: 'cn-1',
  total,
  lines,
});

describe('withCredit', () => {
  it('takes a credit off what an open invoice asks for, per line', () => {
    const { next, reducesAmountDue } = withCredit(
      invoice(),
      credit('4.00', [{ lineId: 'L1', amount: '4.00' }]),
      AT,
    );
    expect(reducesAmountDue).toBe(true);
    expect(next).toMatchObject({ status: 'open', amountDue: '11.00', creditedTotal: '4.00' });
    expect(next.lines[0].credited).toBe('4.00');
    expect(next.lines[1].credited).toBeUndefined();
  });

  it('settles an owed invoice it leaves with nothing to pay', () => {
    const { next } = withCredit(invoice({ status: 'uncollectible' }), credit('15.00'), AT);
    expect(next).toMatchObject({ status: 'paid', amountDue: '0.00', paidAt: AT });
  });

  it('keeps what a paid invoice asked for', () => {
    const paid = invoice({ status: 'paid', amountPaid: '15.00' });
    const { next, reducesAmountDue } = withCredit(paid, credit('25.00'), AT);
    expect(reducesAmountDue).toBe(false);
    expect(next).toMatchObject({ status: 'paid', amountDue: '15.00', creditedTotal: '25.00' });
  });

  it.each([
    ['a draft', invoice({ status: 'draft' }), credit('1.00'), 'INVOICE_NOT_CREDITABLE'],
    ['a void invoice', invoice({ status: 'void' }), credit('1.00'), 'INVOICE_NOT_CREDITABLE'],
    [
      'more than a line',
      invoice(),
      credit('5.01', [{ lineId: 'L2', amount: '5.01' }]),
      'CREDIT_NOTE_EXCEEDS_LINE',
    ],
    [
      'a line credited before',
      invoice({
        lines: [{ id: 'L1', kind: 'usage', description: 'u', amount: '20.00', credited: '19.00' }],
      }),
      credit('1.01', [{ lineId: 'L1', amount: '1.01' }]),
      'CREDIT_NOTE_EXCEEDS_LINE',
    ],
    [
      'a prepaid-credit line',
      invoice(),
      credit('1.00', [{ lineId: 'credits-1', amount: '1.00' }]),
      'UNKNOWN_INVOICE_LINE',
    ],
    [
      'a line it does not have',
      invoice(),
      credit('1.00', [{ lineId: 'L9', amount: '1.00' }]),
      'UNKNOWN_INVOICE_LINE',
    ],
    [
      'more than the total',
      invoice({ status: 'paid', creditedTotal: '20.00' }),
      credit('5.01'),
      'CREDIT_NOTE_EXCEEDS_INVOICE',
    ],
    ['more than is due', invoice(), credit('15.01'), 'CREDIT_NOTE_EXCEEDS_AMOUNT_DUE'],
  ])('refuses %s', (_name, target, asked, code) => {
    expect(() => withCredit(target, asked, AT)).toThrow(expect.objectContaining({ code }));
  });
});

describe('withoutCredit', () => {
  it('gives back what a credit took off an invoice still owed', () => {
    const { next } = withCredit(invoice(), credit('4.00', [{ lineId: 'L1', amount: '4.00' }]), AT);
    const back = withoutCredit(next, {
      ...credit('4.00', [{ lineId: 'L1', amount: '4.00' }]),
      reducesAmountDue: true,
    });
    expect(back).toMatchObject({ amountDue: '15.00', creditedTotal: '0.00' });
    expect(back.lines[0].credited).toBe('0.00');
  });

  it('cannot take back what reduced an invoice that was paid since', () => {
    const { next } = withCredit(invoice(), credit('15.00'), AT);
    expect(() => withoutCredit(next, { ...credit('15.00'), reducesAmountDue: true })).toThrow(
      expect.objectContaining({ code: 'CREDIT_NOTE_NOT_VOIDABLE' }),
    );
  });

  it('takes back a credit of a paid invoice without touching what it asked for', () => {
    const paid = invoice({ status: 'paid', creditedTotal: '10.00', amountPaid: '15.00' });
    const back = withoutCredit(paid, { ...credit('10.00'), reducesAmountDue: false });
    expect(back).toMatchObject({ status: 'paid', amountDue: '15.00', creditedTotal: '0.00' });
  });
});
