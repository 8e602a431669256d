import { type Decimal, Dec, ZERO, formatMoney, sumDecimals } from '../common/money';
import {
  CreditExceedsAmountDue,
  CreditExceedsInvoice,
  CreditExceedsLine,
  InvoiceCreditNotReversible,
  InvoiceNotCreditable,
  UnknownInvoiceLine,
} from './invoice.errors';
import type { Invoice, InvoiceLine } from './invoice.model';

/**
 * What one credit note takes off an invoice (the credit-notes module decides the note; billing
 * owns the invoice and these rules). `lines` name invoice lines; what `total` holds beyond them
 * is credited on the invoice as a whole (a note of one amount).
 */
export interface InvoiceCredit {
  creditNoteId: string;
  /** Decimal string, > 0, in the invoice's currency. */
  total: string;
  lines: { lineId: string; amount: string }[];
}

/** A credit as it was applied: whether it reduced `amountDue` (the invoice was still owed). */
export interface AppliedInvoiceCredit extends InvoiceCredit {
  reducesAmountDue: boolean;
}

/** Priced and adjustment lines can be credited; prepaid-credit lines (negative) cannot. */
const isCreditable = (line: InvoiceLine) => line.kind !== 'credit';

const owed = (invoice: Invoice) => invoice.status === 'open' || invoice.status === 'uncollectible';

function perLine(credit: InvoiceCredit): Map<string, Decimal> {
  const amounts = new Map<string, Decimal>();
  for (const { lineId, amount } of credit.lines) {
    amounts.set(lineId, (amounts.get(lineId) ?? ZERO).plus(amount));
  }
  return amounts;
}

function checkShape(credit: InvoiceCredit): Decimal {
  const total = new Dec(credit.total);
  const lines = sumDecimals(credit.lines.map((l) => new Dec(l.amount)));
  if (!total.greaterThan(0) || credit.lines.some((l) => !new Dec(l.amount).greaterThan(0))) {
    throw new Error(`Credit ${credit.creditNoteId}: amounts must be positive`);
  }
  if (lines.greaterThan(total)) {
    throw new Error(`Credit ${credit.creditNoteId}: its lines add up to more than its total`);
  }
  return total;
}

/**
 * The invoice with `credit` applied, or the domain error that refuses it:
 * - only open, paid or uncollectible invoices (a draft is edited, a void one owes nothing);
 * - each line's credited amount stays within the line, and all credits within the total;
 * - on an invoice still owed (open, uncollectible) the credit reduces `amountDue`, never below
 *   zero, and an invoice with nothing left to pay is settled (`paid`), as finalizing one is; on
 *   a paid invoice `amountDue` stays (the money goes back as a refund or credit).
 */
export function withCredit(
  invoice: Invoice,
  credit: InvoiceCredit,
  at: string,
): { next: Invoice; reducesAmountDue: boolean } {
  if (invoice.status !== 'paid' && !owed(invoice)) {
    throw new InvoiceNotCreditable(invoice.id, invoice.status);
  }
  const { currency } = invoice;
  const money = (d: Decimal) => formatMoney(d, currency);
  const total = checkShape(credit);
  const requested = perLine(credit);
  const lines = invoice.lines.map((line) => {
    const amount = requested.get(line.id);
    if (amount === undefined) return line;
    if (!isCreditable(line)) throw new UnknownInvoiceLine(invoice.id, line.id);
    const credited = new Dec(line.credited ?? 0);
    if (credited.plus(amount).greaterThan(line.amount)) {
      throw new CreditExceedsLine(invoice.id, {
        lineId: line.id,
        lineAmount: line.amount,
        credited: money(credited),
        requested: money(amount),
      });
    }
    return { ...line, credited: money(credited.plus(amount)) };
  });
  for (const lineId of requested.keys()) {
    if (!invoice.lines.some((line) => line.id === lineId)) {
      throw new UnknownInvoiceLine(invoice.id, lineId);
    }
  }
  const creditedTotal = new Dec(invoice.creditedTotal);
  if (creditedTotal.plus(total).greaterThan(invoice.total)) {
    throw new CreditExceedsInvoice(invoice.id, {
      total: invoice.total,
      creditedTotal: invoice.creditedTotal,
      requested: money(total),
    });
  }
  const next: Invoice = { ...invoice, lines, creditedTotal: money(creditedTotal.plus(total)) };
  if (!owed(invoice)) return { next, reducesAmountDue: false };
  // What is still owed: payments recorded without a provider may have paid part of it.
  const due = new Dec(invoice.amountDue);
  const unpaid = due.minus(invoice.amountPaid || '0');
  if (total.greaterThan(unpaid)) {
    throw new CreditExceedsAmountDue(invoice.id, {
      amountDue: money(unpaid),
      requested: money(total),
    });
  }
  next.amountDue = money(due.minus(total));
  if (unpaid.minus(total).isZero()) {
    next.status = 'paid';
    next.paidAt = at;
  }
  return { next, reducesAmountDue: true };
}

/**
 * The invoice with an applied credit taken back (its credit note voided). A credit that reduced
 * what was due gives it back while the invoice is still owed, and cannot be taken back once the
 * invoice was paid; on a void invoice only the credited amounts go.
 */
export function withoutCredit(invoice: Invoice, credit: AppliedInvoiceCredit): Invoice {
  const { currency } = invoice;
  const money = (d: Decimal) => formatMoney(d, currency);
  const total = checkShape(credit);
  if (credit.reducesAmountDue && invoice.status === 'paid') {
    throw new InvoiceCreditNotReversible(invoice.id, credit.creditNoteId, invoice.status);
  }
  const requested = perLine(credit);
  const lines = invoice.lines.map((line) => {
    const amount = requested.get(line.id);
    if (amount === undefined) return line;
    const credited = new Dec(line.credited ?? 0).minus(amount);
    if (credited.isNegative()) {
      throw new Error(
        `Invoice ${invoice.id} line ${line.id}: credit ${credit.creditNoteId} is not on it`,
      );
    }
    return { ...line, credited: money(credited) };
  });
  const creditedTotal = new Dec(invoice.creditedTotal).minus(total);
  if (creditedTotal.isNegative()) {
    throw new Error(`Invoice ${invoice.id}: credit ${credit.creditNoteId} is not on it`);
  }
  const next: Invoice = { ...invoice, lines, creditedTotal: money(creditedTotal) };
  if (credit.reducesAmountDue && owed(invoice)) {
    next.amountDue = money(new Dec(invoice.amountDue).plus(total));
  }
  return next;
}
