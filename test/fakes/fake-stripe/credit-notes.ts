import { invalidRequest, missingParam, noSuch } from './errors';
import { markPaid } from './invoices';
import { emitInvoice } from './invoice-model';
import { allowOnly, int, mergeMetadata, oneOf, requiredStr, str } from './params';
import type { HandlerContext, Router } from './router';
import { paginate, randomId, type RequestInfo, type Store } from './store';
import type { Params, StripeObject } from './types';

const CREATE_PARAMS = [
  'invoice',
  'amount',
  'credit_amount',
  'effective_at',
  'email_type',
  'lines',
  'memo',
  'metadata',
  'out_of_band_amount',
  'reason',
  'refund_amount',
  'refunds',
  'shipping_cost',
];
const REASONS = ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'] as const;

function findNote(store: Store, id: string): StripeObject {
  const note = store.creditNotes.get(id);
  if (!note) throw noSuch('credit_note', id, 'id', 404);
  return note;
}

/** What issued notes credited on each invoice line item so far. */
function creditedOnLine(store: Store, invoiceLineId: string): number {
  let sum = 0;
  for (const note of store.creditNotes.values()) {
    if (note.status !== 'issued') continue;
    for (const line of note.lines.data as StripeObject[]) {
      if (line.invoice_line_item === invoiceLineId) sum += line.amount as number;
    }
  }
  return sum;
}

function creditedOnInvoice(store: Store, invoiceId: string): number {
  let sum = 0;
  for (const note of store.creditNotes.values()) {
    if (note.status === 'issued' && note.invoice === invoiceId) sum += note.total as number;
  }
  return sum;
}

interface PlannedLine {
  invoiceLineItem: string | null;
  description: string | null;
  amount: number;
}

function plannedLines(store: Store, invoice: StripeObject, input: Params): PlannedLine[] {
  const raw = input.lines;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalidRequest('Invalid array', { param: 'lines' });
  }
  return raw.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) {
      throw invalidRequest('Invalid object', { param: `lines[${i}]` });
    }
    const line = entry as Params;
    allowOnly(line, [
      'amount',
      'description',
      'invoice_line_item',
      'quantity',
      'tax_amounts',
      'tax_rates',
      'type',
      'unit_amount',
      'unit_amount_decimal',
    ]);
    const type = oneOf(line, 'type', ['invoice_line_item', 'custom_line_item']);
    if (!type) throw missingParam(`lines[${i}][type]`);
    if (type === 'custom_line_item') {
      const unit = int(line, 'unit_amount', { min: 0 }) ?? 0;
      const quantity = int(line, 'quantity', { min: 1 }) ?? 1;
      return {
        invoiceLineItem: null,
        description: str(line, 'description') ?? null,
        amount: unit * quantity,
      };
    }
    const itemId = requiredStr(line, 'invoice_line_item');
    const invoiceLine = (invoice.lines.data as StripeObject[]).find((l) => l.id === itemId);
    if (!invoiceLine)
      throw noSuch('invoice line item', itemId, `lines[${i}][invoice_line_item]`, 400);
    const amount = int(line, 'amount', { min: 0 }) ?? (invoiceLine.amount as number);
    const left = (invoiceLine.amount as number) - creditedOnLine(store, itemId);
    if (amount > left) {
      throw invalidRequest(
        `The credit note line amount (${amount}) exceeds the amount remaining on invoice line item ${itemId} (${left}).`,
        { param: `lines[${i}][amount]` },
      );
    }
    return { invoiceLineItem: itemId, description: invoiceLine.description ?? null, amount };
  });
}

function newRefund(store: Store, charge: StripeObject, amount: number): StripeObject {
  const refund = {
    id: randomId('re_'),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: store.now(),
    currency: charge.currency,
    metadata: {},
    payment_intent: charge.payment_intent,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: store.refundStatus,
    transfer_reversal: null,
  };
  store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  charge.refunds.data.unshift(refund);
  charge.refunds.total_count += 1;
  return refund;
}

/**
 * POST /v1/credit_notes, after Stripe: the note first reduces what an open (or uncollectible)
 * invoice still asks for (`pre_payment_amount`, never below zero; an invoice left with nothing
 * to pay is paid); the rest (`post_payment_amount`) must be exactly refund + customer-balance
 * credit + out-of-band credit. A refund goes back to the charge that paid the invoice (an
 * invoice paid out of band has none). All notes of an invoice stay within its total, each line
 * within the line.
 */
function create({ store, input, request }: HandlerContext) {
  allowOnly(input, CREATE_PARAMS);
  const invoiceId = requiredStr(input, 'invoice');
  const invoice = store.invoices.get(invoiceId);
  if (!invoice || invoice.deleted) throw noSuch('invoice', invoiceId, 'invoice', 400);
  if (!['open', 'paid', 'uncollectible'].includes(invoice.status as string)) {
    throw invalidRequest(
      `You can only create credit notes for invoices that are open, paid or uncollectible; this invoice is ${invoice.status}.`,
      { param: 'invoice' },
    );
  }
  const given = int(input, 'amount', { min: 1 });
  if (given !== undefined && input.lines !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: amount, lines.');
  }
  if (given === undefined && input.lines === undefined) {
    throw invalidRequest('One of amount, lines, or shipping_cost must be provided.');
  }
  const lines: PlannedLine[] =
    given !== undefined
      ? [{ invoiceLineItem: null, description: 'Credit', amount: given }]
      : plannedLines(store, invoice, input);
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  const left = (invoice.total as number) - creditedOnInvoice(store, invoice.id);
  if (total > left) {
    throw invalidRequest(
      `The credit note amount (${total}) exceeds the amount remaining to credit on this invoice (${left}).`,
    );
  }
  const owed = invoice.status === 'open' || invoice.status === 'uncollectible';
  const pre = owed ? Math.min(total, invoice.amount_remaining as number) : 0;
  const post = total - pre;
  const refund = int(input, 'refund_amount', { min: 0 }) ?? 0;
  const credit = int(input, 'credit_amount', { min: 0 }) ?? 0;
  const outOfBand = int(input, 'out_of_band_amount', { min: 0 }) ?? 0;
  if (refund + credit + outOfBand !== post) {
    throw invalidRequest(
      `The sum of refund_amount, credit_amount and out_of_band_amount (${refund + credit + outOfBand}) must equal the credit note's post_payment_amount (${post}).`,
    );
  }
  const chargeId = store.chargeOfInvoice.get(invoice.id);
  const charge = chargeId ? store.charges.get(chargeId) : undefined;
  if (refund > 0) {
    if (!charge) {
      throw invalidRequest(
        'This invoice has no charge to refund (it was not paid through Stripe).',
        {
          param: 'refund_amount',
        },
      );
    }
    if (refund > (charge.amount as number) - (charge.amount_refunded as number)) {
      throw invalidRequest(
        `Refund amount (${refund}) is greater than the unrefunded amount on the charge.`,
        { param: 'refund_amount' },
      );
    }
  }
  const reason = oneOf(input, 'reason', REASONS);

  const now = store.now();
  const id = randomId('cn_');
  const refundObject = refund > 0 && charge ? newRefund(store, charge, refund) : undefined;
  if (credit > 0) {
    const customer = store.customers.get(invoice.customer as string);
    if (customer && !customer.deleted) customer.balance = (customer.balance ?? 0) - credit;
  }
  const sequence =
    [...store.creditNotes.values()].filter((n) => n.invoice === invoice.id).length + 1;
  const note: StripeObject = {
    id,
    object: 'credit_note',
    amount: total,
    amount_shipping: 0,
    created: now,
    currency: invoice.currency,
    customer: invoice.customer,
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: int(input, 'effective_at') ?? null,
    invoice: invoice.id,
    lines: {
      object: 'list',
      data: lines.map((l) => ({
        id: randomId('cnli_'),
        object: 'credit_note_line_item',
        amount: l.amount,
        description: l.description,
        discount_amount: 0,
        discount_amounts: [],
        invoice_line_item: l.invoiceLineItem,
        livemode: false,
        metadata: {},
        pretax_credit_amounts: [],
        quantity: 1,
        tax_rates: [],
        taxes: [],
        type: l.invoiceLineItem ? 'invoice_line_item' : 'custom_line_item',
        unit_amount: l.invoiceLineItem ? null : l.amount,
        unit_amount_decimal: l.invoiceLineItem ? null : String(l.amount),
      })),
      has_more: false,
      url: `/v1/credit_notes/${id}/lines`,
    },
    livemode: false,
    memo: str(input, 'memo') || null,
    metadata: mergeMetadata({}, input),
    number: `${invoice.number}-CN-${String(sequence).padStart(2, '0')}`,
    out_of_band_amount: outOfBand || null,
    pdf: `https://pay.stripe.com/credit_notes/acct_fake/test_${id}/pdf`,
    post_payment_amount: post,
    pre_payment_amount: pre,
    pretax_credit_amounts: [],
    reason: reason ?? null,
    refunds: refundObject
      ? [
          {
            amount_refunded: refund,
            payment_record_refund: null,
            refund: refundObject.id,
            type: 'refund',
          },
        ]
      : [],
    shipping_cost: null,
    status: 'issued',
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
    total_taxes: [],
    type: pre > 0 && post > 0 ? 'mixed' : pre > 0 ? 'pre_payment' : 'post_payment',
    voided_at: null,
  };
  store.creditNotes.set(id, note);
  invoice.pre_payment_credit_notes_amount += pre;
  invoice.post_payment_credit_notes_amount += post;
  if (pre > 0) {
    invoice.amount_due -= pre;
    invoice.amount_remaining -= pre;
  }
  store.emit('credit_note.created', note, request);
  if (refundObject && charge) {
    store.emit('refund.created', refundObject, request);
    store.emit('charge.refunded', charge, request);
  }
  if (pre > 0) {
    if (invoice.amount_remaining === 0) markPaid(store, invoice, request, true);
    else emitInvoice(store, 'invoice.updated', invoice, request);
  }
  return note;
}

/**
 * POST /v1/credit_notes/:id/void: only a note without a refund that went through (or is on its
 * way); what it took off an invoice that is still owed is due again, its customer-balance credit
 * is taken back.
 */
function voidNote({ store, params, input, request }: HandlerContext) {
  allowOnly(input, []);
  const note = findNote(store, params.id);
  if (note.status === 'void') throw invalidRequest('This credit note has already been voided.');
  const refunded = (note.refunds as StripeObject[]).some((r) => {
    const refund = store.refunds.get(r.refund as string);
    return refund && (refund.status === 'succeeded' || refund.status === 'pending');
  });
  if (refunded) throw invalidRequest('Credit notes with a refund cannot be voided.');
  const invoice = store.invoices.get(note.invoice as string);
  const pre = note.pre_payment_amount as number;
  if (pre > 0 && invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidRequest(
      `This credit note reduced an invoice that is ${invoice.status} now; it cannot be voided.`,
    );
  }
  note.status = 'void';
  note.voided_at = store.now();
  invoice.pre_payment_credit_notes_amount -= pre;
  invoice.post_payment_credit_notes_amount -= note.post_payment_amount as number;
  if (pre > 0) {
    invoice.amount_due += pre;
    invoice.amount_remaining += pre;
  }
  const refundTotal = (note.refunds as StripeObject[]).reduce(
    (sum: number, r: StripeObject) => sum + (r.amount_refunded as number),
    0,
  );
  // post = refund + customer-balance credit + out of band: the balance credit goes back.
  const balanceCredit =
    (note.post_payment_amount as number) - refundTotal - ((note.out_of_band_amount as number) ?? 0);
  if (balanceCredit > 0) {
    const customer = store.customers.get(note.customer as string);
    if (customer && !customer.deleted) customer.balance = (customer.balance ?? 0) + balanceCredit;
  }
  store.emit('credit_note.voided', note, request);
  return note;
}

/**
 * Moves a refund to its end, as Stripe does later for refunds that do not settle at once: a
 * failed refund's money goes back to the balance of the charge. Emits what Stripe emits.
 */
export function settleRefund(
  store: Store,
  refundId: string,
  status: 'succeeded' | 'failed',
  failureReason = 'expired_or_canceled_card',
): StripeObject {
  const refund = store.refunds.get(refundId);
  if (!refund) throw new Error(`fake-stripe: no refund ${refundId}`);
  const request: RequestInfo = { requestId: randomId('req_', 14) };
  const previous = { status: refund.status };
  refund.status = status;
  if (status === 'failed') {
    refund.failure_reason = failureReason;
    const charge = store.charges.get(refund.charge as string);
    if (charge) {
      charge.amount_refunded -= refund.amount;
      charge.refunded = false;
    }
  }
  store.emit('refund.updated', refund, request, previous);
  if (status === 'failed') store.emit('refund.failed', refund, request);
  return refund;
}

export function registerCreditNotes(router: Router): void {
  router
    .add('POST', '/v1/credit_notes', create)
    .add('GET', '/v1/credit_notes', ({ store, input }) => {
      allowOnly(input, [
        'created',
        'customer',
        'customer_account',
        'invoice',
        'limit',
        'starting_after',
        'ending_before',
      ]);
      const invoice = str(input, 'invoice');
      const customer = str(input, 'customer');
      const notes = [...store.creditNotes.values()]
        .filter(
          (n: StripeObject) =>
            (invoice === undefined || n.invoice === invoice) &&
            (customer === undefined || n.customer === customer),
        )
        .reverse();
      return paginate('/v1/credit_notes', notes, input);
    })
    .add('GET', '/v1/credit_notes/:id', ({ store, params }) => findNote(store, params.id))
    .add('POST', '/v1/credit_notes/:id/void', voidNote)
    .add('GET', '/v1/refunds/:id', ({ store, params }) => {
      const refund = store.refunds.get(params.id);
      if (!refund) throw noSuch('refund', params.id, 'id', 404);
      return refund;
    });
}
