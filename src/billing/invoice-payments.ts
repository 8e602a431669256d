import { type Decimal, Dec, formatMoney, moneyInput } from '../common/money';
import { ValidationFailed } from '../common/errors/domain-error';
import { parseInstant } from '../common/time/instant';
import { InvoiceNotPayable, Overpayment, PaymentConflict } from './invoice.errors';
import type { Invoice, InvoicePayment, PaymentMethod } from './invoice.model';

/** What `POST /v1/invoices/:id/payments` asks for, as sent. */
export interface RecordPaymentInput {
  paymentId?: string;
  amount: string;
  paidAt: string;
  method: PaymentMethod;
  reference?: string;
}

/** How far ahead of our clock `paidAt` may be: clocks of callers drift, payments are not future. */
export const PAID_AT_FUTURE_TOLERANCE_MS = 60_000;

/** The request checked against the invoice's currency and the clock: the payment it records. */
export function paymentOf(
  invoice: Invoice,
  input: RecordPaymentInput,
  id: string,
  now: Date,
): InvoicePayment {
  const amount = moneyInput(input.amount, invoice.currency, 'amount');
  const paidAt = parseInstant(input.paidAt, 'paidAt', 'date-time');
  if (paidAt.getTime() > now.getTime() + PAID_AT_FUTURE_TOLERANCE_MS) {
    throw new ValidationFailed([
      { field: 'paidAt', messages: ['paidAt must not be in the future'] },
    ]);
  }
  return {
    id,
    amount: formatMoney(amount, invoice.currency),
    method: input.method,
    reference: input.reference ?? null,
    paidAt: paidAt.toISOString(),
    recordedAt: now.toISOString(),
  };
}

/** The payment stored under the same id, when `request` is the same payment; a 409 otherwise. */
export function samePayment(
  invoiceId: string,
  stored: InvoicePayment,
  request: InvoicePayment,
): InvoicePayment {
  const differs: string[] = [];
  if (!new Dec(stored.amount).equals(request.amount)) differs.push('amount');
  if (stored.method !== request.method) differs.push('method');
  if (stored.reference !== request.reference) differs.push('reference');
  if (stored.paidAt !== request.paidAt) differs.push('paidAt');
  if (differs.length > 0) throw new PaymentConflict(invoiceId, stored.id, differs);
  return stored;
}

/** What is still to pay: what the invoice asks for, less what was paid. */
export function remainingDue(invoice: Invoice): Decimal {
  return new Dec(invoice.amountDue).minus(invoice.amountPaid || '0');
}

/**
 * The invoice with `payment` recorded: only open or uncollectible invoices, never beyond what is
 * still due (`OVERPAYMENT`); payments add up in `amountPaid`, and the invoice is `paid` (at the
 * payment's `paidAt`) once they cover `amountDue`.
 */
export function withPayment(invoice: Invoice, payment: InvoicePayment): Invoice {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw new InvoiceNotPayable(invoice.id, invoice.status);
  }
  const money = (d: Decimal) => formatMoney(d, invoice.currency);
  const remaining = remainingDue(invoice);
  const amount = new Dec(payment.amount);
  if (amount.greaterThan(remaining)) {
    throw new Overpayment(invoice.id, {
      amountDue: invoice.amountDue,
      amountPaid: money(new Dec(invoice.amountPaid || '0')),
      remaining: money(remaining),
      requested: payment.amount,
    });
  }
  const paid = new Dec(invoice.amountPaid || '0').plus(amount);
  const next: Invoice = {
    ...invoice,
    amountPaid: money(paid),
    payments: [...(invoice.payments ?? []), payment],
  };
  if (paid.equals(invoice.amountDue)) {
    next.status = 'paid';
    next.paidAt = payment.paidAt;
  }
  return next;
}

/** What payments recorded here add up to. */
export function manualPaymentsTotal(invoice: Invoice): Decimal {
  return (invoice.payments ?? []).reduce((sum, p) => sum.plus(p.amount), new Dec(0));
}
