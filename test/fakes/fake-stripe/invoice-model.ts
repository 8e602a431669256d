import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import { randomId, type RequestInfo, type Store } from './store';
import type { StripeObject } from './types';

/** Stripe embeds at most this many lines in an invoice; the rest are behind `/lines`. */
export const EMBEDDED_LINES = 10;

const SCALE = 10n ** 12n;

/**
 * `quantity * unit_amount_decimal` in exact integer arithmetic (the decimal has
 * at most 12 places), rounded half away from zero to minor units.
 */
export function decimalTimes(unitAmountDecimal: string, quantity: number): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(unitAmountDecimal);
  if (!m) {
    throw invalidRequest(`Invalid decimal: ${unitAmountDecimal}`, { param: 'unit_amount_decimal' });
  }
  const [, sign, whole, frac = ''] = m;
  const scaled = (BigInt(whole) * SCALE + BigInt(frac.padEnd(12, '0'))) * BigInt(quantity);
  const product = sign === '-' ? -scaled : scaled;
  const abs = product < 0n ? -product : product;
  const rounded = (abs + SCALE / 2n) / SCALE;
  return Number(product < 0n ? -rounded : rounded);
}

export function lineFromItem(item: StripeObject, invoiceId: string): Stripe.InvoiceLineItem {
  return {
    id: randomId('il_'),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: { ...item.metadata },
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: {
        invoice_item: item.id,
        proration: false,
        proration_details: { credited_items: null },
        subscription: null,
      },
      subscription_item_details: null,
    },
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: structuredClone(item.pricing),
    quantity: item.quantity,
    subscription: null,
    subtotal: item.amount,
    taxes: [],
  };
}

/** Amounts on a draft follow its lines; negative totals become customer credit, not negative dues. */
export function recomputeTotals(invoice: StripeObject): void {
  const subtotal = (invoice.lines.data as StripeObject[]).reduce(
    (sum: number, l: StripeObject) => sum + (l.amount as number),
    0,
  );
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  invoice.amount_due = Math.max(0, subtotal);
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
}

export function attachItem(invoice: StripeObject, item: StripeObject): void {
  item.invoice = invoice.id;
  invoice.lines.data.push(lineFromItem(item, invoice.id));
  recomputeTotals(invoice);
}

export function detachItem(invoice: StripeObject, itemId: string): void {
  invoice.lines.data = (invoice.lines.data as StripeObject[]).filter(
    (l) => l.parent?.invoice_item_details?.invoice_item !== itemId,
  );
  recomputeTotals(invoice);
}

/** What the API returns for an invoice: the same object with `lines` capped like Stripe's. */
export function invoiceView(invoice: StripeObject): StripeObject {
  const lines = invoice.lines.data as StripeObject[];
  return {
    ...invoice,
    lines: {
      ...invoice.lines,
      data: lines.slice(0, EMBEDDED_LINES),
      has_more: lines.length > EMBEDDED_LINES,
      total_count: lines.length,
    },
  };
}

export function emitInvoice(store: Store, type: string, invoice: StripeObject, req: RequestInfo) {
  store.emit(type, invoiceView(invoice), req);
}

export interface NewInvoice {
  customer: StripeObject;
  currency: string;
  autoAdvance: boolean;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  dueDate: number | null;
  description: string | null;
  footer: string | null;
  metadata: Record<string, string>;
}

export function buildInvoice(store: Store, spec: NewInvoice): Stripe.Invoice {
  const id = randomId('in_');
  const created = store.now();
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Fake Stripe Account',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: spec.autoAdvance,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    // Stripe would finalize an auto-advancing draft about an hour later; the fake never does.
    automatically_finalizes_at: spec.autoAdvance ? created + 3600 : null,
    billing_reason: 'manual',
    collection_method: spec.collectionMethod,
    created,
    currency: spec.currency,
    custom_fields: null,
    customer: spec.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: spec.customer.email,
    customer_name: spec.customer.name,
    customer_phone: spec.customer.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: spec.description,
    discounts: [],
    due_date: spec.dueDate,
    effective_at: null,
    ending_balance: null,
    footer: spec.footer,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: spec.metadata,
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: null,
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}
