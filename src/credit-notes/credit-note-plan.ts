import type { InvoiceCredit } from '../billing/invoice-credits';
import type { Invoice } from '../billing/invoice.model';
import type { InvoiceCreditChange } from '../billing/invoices.service';
import { ValidationFailed } from '../common/errors/domain-error';
import { type Decimal, Dec, ZERO, formatMoney, sumDecimals, moneyInput } from '../common/money';
import {
  CreditNoteAmountsInvalid,
  CreditNoteConflict,
  CreditNoteExceedsPayment,
} from './credit-note.errors';
import {
  ADJUSTMENT_LINE_ID,
  type CreditNote,
  type CreditNoteProvider,
  type CreditNoteReason,
  type CreditNoteType,
  creditGrantIdFor,
} from './credit-note.model';

/*
 * The decisions of a credit note, as pure functions of the request, the invoice and its other
 * notes: what the request says, how the money goes back, what is mirrored at the provider.
 * `CreditNotesService` reads, calls these, and writes.
 */

export interface IssueCreditNoteInput {
  creditNoteId?: string;
  reason: CreditNoteReason;
  memo?: string;
  lines?: { lineId: string; amount: string }[];
  amount?: string;
  refund?: string;
  credit?: string;
}

/** A request, validated against the invoice's currency. */
export interface NoteRequest {
  /** Empty in a preview without a `creditNoteId`. */
  id: string;
  reason: CreditNoteReason;
  memo: string | null;
  mode: 'lines' | 'amount';
  lines: { lineId: string; amount: Decimal }[];
  total: Decimal;
  refund: Decimal;
  credit: Decimal;
}

/** The payment provider, as far as a note's plan is concerned. */
export interface ProviderInfo {
  enabled: boolean;
  name: string;
}

/** The request, checked: either lines or one amount, amounts in the invoice's currency. */
export function parseRequest(
  invoice: Pick<Invoice, 'currency'>,
  input: IssueCreditNoteInput,
  id: string,
): NoteRequest {
  const { currency } = invoice;
  if (input.lines !== undefined && input.amount !== undefined) {
    throw new ValidationFailed([
      { field: 'amount', messages: ['give either lines or amount, not both'] },
    ]);
  }
  if (input.lines === undefined && input.amount === undefined) {
    throw new ValidationFailed([{ field: 'lines', messages: ['lines or amount is required'] }]);
  }
  let lines: { lineId: string; amount: Decimal }[];
  if (input.lines !== undefined) {
    const seen = new Set<string>();
    lines = input.lines.map((line, i) => {
      if (seen.has(line.lineId)) {
        throw new ValidationFailed([
          { field: `lines.${i}.lineId`, messages: [`line ${line.lineId} is given twice`] },
        ]);
      }
      seen.add(line.lineId);
      return {
        lineId: line.lineId,
        amount: moneyInput(line.amount, currency, `lines.${i}.amount`),
      };
    });
  } else {
    const amount = moneyInput(input.amount as string, currency, 'amount');
    lines = [{ lineId: ADJUSTMENT_LINE_ID, amount }];
  }
  return {
    id,
    reason: input.reason,
    memo: input.memo ?? null,
    mode: input.lines !== undefined ? 'lines' : 'amount',
    lines,
    total: sumDecimals(lines.map((l) => l.amount)),
    refund:
      input.refund === undefined
        ? ZERO
        : moneyInput(input.refund, currency, 'refund', { allowZero: true }),
    credit:
      input.credit === undefined
        ? ZERO
        : moneyInput(input.credit, currency, 'credit', { allowZero: true }),
  };
}

/**
 * A replay must describe the same note: invoice, reason, memo, lines (or the one amount, as
 * decimals: "10" = "10.00"), refund and credit. Returns the stored note, or throws the conflict.
 */
export function sameNote(stored: CreditNote, invoiceId: string, request: NoteRequest): CreditNote {
  const differs: string[] = [];
  if (stored.invoiceId !== invoiceId) differs.push('invoiceId');
  if (stored.reason !== request.reason) differs.push('reason');
  if (stored.memo !== request.memo) differs.push('memo');
  const key = (lines: { lineId: string; amount: Decimal | string }[]) =>
    lines
      .map((l) => `${l.lineId}=${new Dec(l.amount).toString()}`)
      .sort()
      .join(',');
  if (stored.mode !== request.mode || key(stored.lines) !== key(request.lines)) {
    differs.push(request.mode === 'lines' ? 'lines' : 'amount');
  }
  if (!new Dec(stored.refund.amount).equals(request.refund)) differs.push('refund');
  if (!new Dec(stored.credit.amount).equals(request.credit)) differs.push('credit');
  if (differs.length > 0) throw new CreditNoteConflict(stored.id, differs);
  return stored;
}

/** What billing is asked to take off the invoice for a request (or a stored note). */
export function invoiceCreditOf(note: {
  id: string;
  total: Decimal | string;
  lines: { lineId: string; amount: Decimal | string }[];
}): InvoiceCredit {
  return {
    creditNoteId: note.id,
    total: new Dec(note.total).toString(),
    lines: note.lines
      .filter((l) => l.lineId !== ADJUSTMENT_LINE_ID)
      .map((l) => ({ lineId: l.lineId, amount: new Dec(l.amount).toString() })),
  };
}

/**
 * How the total goes back. Owed invoice: it only reduces what is due. Paid invoice: refund +
 * credit = total (Stripe's rule), and refunds stay within what was paid (less what other issued
 * notes refund, failed refunds aside).
 */
function checkAmounts(
  invoice: Invoice,
  request: NoteRequest,
  type: CreditNoteType,
  notes: readonly CreditNote[],
): void {
  const money = (d: Decimal) => formatMoney(d, invoice.currency);
  const amounts = {
    total: money(request.total),
    refund: money(request.refund),
    credit: money(request.credit),
  };
  if (type === 'pre_payment') {
    if (request.refund.greaterThan(0) || request.credit.greaterThan(0)) {
      throw new CreditNoteAmountsInvalid(
        `Invoice ${invoice.id} is ${invoice.status}: a credit note reduces what it asks for; refund and credit are for paid invoices`,
        { invoiceStatus: invoice.status, ...amounts },
      );
    }
    return;
  }
  if (!request.refund.plus(request.credit).equals(request.total)) {
    throw new CreditNoteAmountsInvalid(
      `Invoice ${invoice.id} is paid: refund + credit must be the note's total (${amounts.total}), not ${amounts.refund} + ${amounts.credit}`,
      { invoiceStatus: invoice.status, ...amounts },
    );
  }
  if (!request.refund.greaterThan(0)) return;
  const refunded = sumDecimals(
    notes
      .filter((n) => n.status === 'issued' && n.refund.status !== 'failed')
      .map((n) => new Dec(n.refund.amount)),
  );
  const refundable = Dec.max(ZERO, new Dec(invoice.amountPaid || '0').minus(refunded));
  if (request.refund.greaterThan(refundable)) {
    throw new CreditNoteExceedsPayment(invoice.id, {
      refundable: money(refundable),
      requested: amounts.refund,
    });
  }
}

/**
 * The note's mirror at the provider, when the invoice is there. The provider's invoice holds
 * total − prepaid credits, and its notes together never exceed that: a note mirrors what is
 * still room there (all of it, for a note on an owed invoice), and its refund must fit in it.
 */
function providerSide(
  invoice: Invoice,
  request: NoteRequest,
  type: CreditNoteType,
  notes: readonly CreditNote[],
  provider: ProviderInfo,
): CreditNoteProvider | null {
  if (!provider.enabled || !invoice.provider) return null;
  const money = (d: Decimal) => formatMoney(d, invoice.currency);
  const mirrored = sumDecimals(
    notes
      .filter(
        (n) =>
          n.status === 'issued' &&
          (n.provider?.status === 'pending' || n.provider?.status === 'pushed'),
      )
      .map((n) => new Dec(n.provider?.amount ?? 0)),
  );
  const room = Dec.max(ZERO, new Dec(invoice.total).minus(invoice.credits).minus(mirrored));
  const amount = type === 'pre_payment' ? request.total : Dec.min(request.total, room);
  if (request.refund.greaterThan(amount)) {
    throw new CreditNoteExceedsPayment(invoice.id, {
      refundable: money(Dec.min(room, request.refund)),
      requested: money(request.refund),
    });
  }
  if (amount.isZero()) return null;
  return {
    name: provider.name,
    status: 'pending',
    providerInvoiceId: invoice.provider.invoiceId,
    amount: money(amount),
    providerCreditNoteId: null,
    number: null,
    error: null,
  };
}

/**
 * The note a request makes on the invoice as `change` leaves it: its type (the invoice was
 * owed: it reduced what is due; paid: refund and credit), the checks billing does not know (how
 * the money goes back, refunds within the payment), its provider side and refund status.
 */
export function planNote(fields: {
  request: NoteRequest;
  number: string;
  change: InvoiceCreditChange;
  /** The invoice's other notes. */
  notes: readonly CreditNote[];
  provider: ProviderInfo;
  at: string;
}): CreditNote {
  const { request, change, notes, at } = fields;
  const { before } = change;
  const money = (d: Decimal) => formatMoney(d, before.currency);
  const type: CreditNoteType = change.reducesAmountDue ? 'pre_payment' : 'post_payment';
  checkAmounts(before, request, type, notes);
  const side = providerSide(before, request, type, notes, fields.provider);
  const refunding = request.refund.greaterThan(0);
  // Without a provider the refund happened outside this service: recorded as refunded.
  const recorded = refunding && !side;
  const lineOf = new Map(before.lines.map((l) => [l.id, l]));
  return {
    id: request.id,
    number: fields.number,
    customerId: before.customerId,
    invoiceId: before.id,
    invoiceNumber: before.number,
    period: before.period,
    currency: before.currency,
    status: 'issued',
    type,
    reason: request.reason,
    memo: request.memo,
    mode: request.mode,
    lines: request.lines.map((l) => ({
      lineId: l.lineId,
      description:
        l.lineId === ADJUSTMENT_LINE_ID
          ? `Adjustment of invoice ${before.number}`
          : (lineOf.get(l.lineId)?.description ?? l.lineId),
      amount: money(l.amount),
    })),
    total: money(request.total),
    refund: {
      amount: money(request.refund),
      status: !refunding ? 'none' : recorded ? 'succeeded' : 'pending',
      refunds: [],
      failureReason: null,
      processedAt: recorded ? at : null,
    },
    credit: {
      amount: money(request.credit),
      // A preview without a creditNoteId has no id yet, so no grant id either.
      grantId: request.credit.greaterThan(0) && request.id ? creditGrantIdFor(request.id) : null,
    },
    provider: side,
    createdAt: at,
    updatedAt: at,
    voidedAt: null,
    voidReason: null,
    revision: 1,
  };
}
