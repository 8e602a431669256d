import { activeCustomer } from './customers';
import { invalidRequest, invalidState, noSuch } from './errors';
import { attachItem, buildInvoice, emitInvoice, invoiceView } from './invoice-model';
import { allowOnly, bool, currency, int, mergeMetadata, oneOf, requiredStr, str } from './params';
import type { HandlerContext, Router } from './router';
import { paginate, pick, randomId, type RequestInfo, type Store } from './store';
import type { Params, StripeObject } from './types';

const CREATE_PARAMS = [
  'account_tax_ids',
  'application_fee_amount',
  'auto_advance',
  'automatic_tax',
  'automatically_finalizes_at',
  'collection_method',
  'currency',
  'custom_fields',
  'customer',
  'customer_account',
  'days_until_due',
  'default_payment_method',
  'default_source',
  'default_tax_rates',
  'description',
  'discounts',
  'due_date',
  'effective_at',
  'footer',
  'from_invoice',
  'issuer',
  'metadata',
  'number',
  'on_behalf_of',
  'payment_settings',
  'pending_invoice_items_behavior',
  'rendering',
  'shipping_cost',
  'shipping_details',
  'statement_descriptor',
  'subscription',
  'transfer_data',
];
const UPDATE_PARAMS = CREATE_PARAMS.filter(
  (p) =>
    ![
      'currency',
      'customer',
      'customer_account',
      'from_invoice',
      'pending_invoice_items_behavior',
      'subscription',
    ].includes(p),
);
const DAY = 86_400;

function findInvoice(store: Store, id: string): StripeObject {
  const invoice = store.invoices.get(id);
  if (!invoice || invoice.deleted) throw noSuch('invoice', id, 'id', 404);
  return invoice;
}

/** Stripe only allows a due date on `send_invoice` invoices, and requires one there. */
function dueDate(input: Params, method: string, now: number): number | null {
  const days = int(input, 'days_until_due', { min: 0 });
  const due = int(input, 'due_date');
  if (method !== 'send_invoice') {
    if (days !== undefined || due !== undefined) {
      throw invalidRequest(
        "You can only set 'days_until_due' or 'due_date' when 'collection_method' is 'send_invoice'.",
        { param: days !== undefined ? 'days_until_due' : 'due_date' },
      );
    }
    return null;
  }
  if (due !== undefined) return due;
  if (days === undefined) {
    throw invalidRequest(
      "Invoices with 'collection_method=send_invoice' must have either 'due_date' or 'days_until_due'.",
      { code: 'parameter_missing', param: 'days_until_due' },
    );
  }
  return now + days * DAY;
}

function create({ store, input, request }: HandlerContext) {
  allowOnly(input, CREATE_PARAMS);
  const customer = activeCustomer(store, requiredStr(input, 'customer'), 'customer', 400);
  const method = oneOf(input, 'collection_method', ['charge_automatically', 'send_invoice']);
  const collectionMethod = method ?? 'charge_automatically';
  // Since 2022-08-01 pending items stay pending unless the caller opts in.
  const behavior = oneOf(input, 'pending_invoice_items_behavior', ['include', 'exclude']);
  const invoice = buildInvoice(store, {
    customer,
    currency: currency(input) ?? customer.currency ?? 'usd',
    autoAdvance: bool(input, 'auto_advance') ?? false,
    collectionMethod,
    dueDate: dueDate(input, collectionMethod, store.now()),
    description: str(input, 'description') || null,
    footer: str(input, 'footer') || null,
    metadata: mergeMetadata({}, input),
  });
  store.invoices.set(invoice.id, invoice);
  if (behavior === 'include') {
    // Only same-currency pending items are swept in; others wait for a matching invoice.
    for (const item of store.invoiceItems.values()) {
      if (item.deleted || item.invoice !== null || item.customer !== customer.id) continue;
      if (item.currency === invoice.currency) attachItem(invoice, item);
    }
  }
  emitInvoice(store, 'invoice.created', invoice, request);
  return invoiceView(invoice);
}

function update({ store, params, input, request }: HandlerContext) {
  allowOnly(input, UPDATE_PARAMS);
  const invoice = findInvoice(store, params.id);
  const draftOnly = ['description', 'footer', 'days_until_due', 'due_date', 'collection_method'];
  const touched = draftOnly.filter((k) => input[k] !== undefined);
  if (invoice.status !== 'draft' && touched.length > 0) {
    throw invalidState(
      `Finalized invoices can't be updated in this way: ${touched.join(', ')}.`,
      'invoice_not_editable',
    );
  }
  const changed = ['description', 'footer', 'auto_advance', 'metadata'].filter(
    (k) => input[k] !== undefined,
  );
  const previous = pick(invoice, changed);
  const description = str(input, 'description');
  const footer = str(input, 'footer');
  const autoAdvance = bool(input, 'auto_advance');
  const metadata = mergeMetadata(invoice.metadata as Record<string, string>, input);
  if (description !== undefined) invoice.description = description || null;
  if (footer !== undefined) invoice.footer = footer || null;
  if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
  invoice.metadata = metadata;
  if (changed.length > 0) store.emit('invoice.updated', invoiceView(invoice), request, previous);
  return invoiceView(invoice);
}

function invoiceNumber(store: Store, invoice: StripeObject): string {
  const customer = store.customers.get(invoice.customer as string);
  const prefix = (customer?.invoice_prefix as string | undefined) ?? invoice.id.slice(3, 11);
  const seq = (customer?.next_invoice_sequence as number | undefined) ?? 1;
  if (customer && !customer.deleted) customer.next_invoice_sequence = seq + 1;
  return `${prefix.toUpperCase()}-${String(seq).padStart(4, '0')}`;
}

/**
 * The charge a payment through Stripe leaves behind (refunds go back to it). Stripe would also
 * send `charge.succeeded` and `payment_intent.succeeded`; the fake keeps its event stream to the
 * invoice events.
 */
function recordCharge(store: Store, invoice: StripeObject): void {
  const id = randomId('ch_');
  store.charges.set(id, {
    id,
    object: 'charge',
    amount: invoice.amount_due,
    amount_captured: invoice.amount_due,
    amount_refunded: 0,
    captured: true,
    created: store.now(),
    currency: invoice.currency,
    customer: invoice.customer,
    livemode: false,
    metadata: {},
    paid: true,
    payment_intent: randomId('pi_'),
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/charges/${id}/refunds`,
    },
    status: 'succeeded',
  });
  store.chargeOfInvoice.set(invoice.id, id);
}

export function markPaid(
  store: Store,
  invoice: StripeObject,
  req: RequestInfo,
  outOfBand: boolean,
) {
  if (!outOfBand && invoice.amount_due > 0) recordCharge(store, invoice);
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = store.now();
  invoice.next_payment_attempt = null;
  invoice.auto_advance = false;
  if (!outOfBand && invoice.amount_due > 0) {
    invoice.attempted = true;
    invoice.attempt_count += 1;
  }
  emitInvoice(store, 'invoice.paid', invoice, req);
  if (!outOfBand) emitInvoice(store, 'invoice.payment_succeeded', invoice, req);
}

function finalize({ store, params, input, request }: HandlerContext) {
  allowOnly(input, ['auto_advance']);
  const invoice = findInvoice(store, params.id);
  if (invoice.status !== 'draft') {
    throw invalidState(
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
      'invoice_not_editable',
    );
  }
  const now = store.now();
  const token = randomId('', 40);
  invoice.status = 'open';
  invoice.number = invoiceNumber(store, invoice);
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  invoice.hosted_invoice_url = `https://invoice.stripe.com/i/acct_fake/test_${token}?s=ap`;
  invoice.invoice_pdf = `https://pay.stripe.com/invoice/acct_fake/test_${token}/pdf?s=ap`;
  invoice.auto_advance = bool(input, 'auto_advance') ?? invoice.auto_advance;
  invoice.amount_remaining = invoice.amount_due;
  emitInvoice(store, 'invoice.finalized', invoice, request);
  // Like Stripe, nothing to collect means the invoice is paid the moment it is finalized.
  if (invoice.amount_due === 0) markPaid(store, invoice, request, true);
  return invoiceView(invoice);
}

function pay({ store, params, input, request }: HandlerContext) {
  allowOnly(input, [
    'forgive',
    'mandate',
    'off_session',
    'paid_out_of_band',
    'payment_method',
    'source',
  ]);
  const invoice = findInvoice(store, params.id);
  if (invoice.status === 'paid') throw invalidState('Invoice is already paid.');
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidState(
      `You can only pay an invoice that is open or uncollectible; this invoice is ${invoice.status}.`,
    );
  }
  markPaid(store, invoice, request, bool(input, 'paid_out_of_band') ?? false);
  return invoiceView(invoice);
}

function voidInvoice({ store, params, input, request }: HandlerContext) {
  allowOnly(input, []);
  const invoice = findInvoice(store, params.id);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidState(
      `You can only void an invoice that is open or uncollectible; this invoice is ${invoice.status}.`,
    );
  }
  invoice.status = 'void';
  invoice.status_transitions.voided_at = store.now();
  invoice.amount_remaining = 0;
  invoice.auto_advance = false;
  emitInvoice(store, 'invoice.voided', invoice, request);
  return invoiceView(invoice);
}

function markUncollectible({ store, params, input, request }: HandlerContext) {
  allowOnly(input, []);
  const invoice = findInvoice(store, params.id);
  if (invoice.status !== 'open') {
    throw invalidState(
      `You can only mark an open invoice as uncollectible; this invoice is ${invoice.status}.`,
    );
  }
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = store.now();
  invoice.auto_advance = false;
  emitInvoice(store, 'invoice.marked_uncollectible', invoice, request);
  return invoiceView(invoice);
}

function list({ store, input }: HandlerContext) {
  allowOnly(input, [
    'collection_method',
    'created',
    'customer',
    'customer_account',
    'due_date',
    'status',
    'subscription',
    'limit',
    'starting_after',
    'ending_before',
  ]);
  const customer = str(input, 'customer');
  const status = oneOf(input, 'status', ['draft', 'open', 'paid', 'uncollectible', 'void']);
  const method = str(input, 'collection_method');
  const invoices = [...store.invoices.values()]
    .filter(
      (i: StripeObject) =>
        !i.deleted &&
        (customer === undefined || i.customer === customer) &&
        (status === undefined || i.status === status) &&
        (method === undefined || i.collection_method === method),
    )
    .reverse()
    .map(invoiceView);
  return paginate('/v1/invoices', invoices, input);
}

export function registerInvoices(router: Router): void {
  router
    .add('POST', '/v1/invoices', create)
    .add('GET', '/v1/invoices', list)
    .add('GET', '/v1/invoices/:id', ({ store, params }) =>
      invoiceView(findInvoice(store, params.id)),
    )
    .add('POST', '/v1/invoices/:id', update)
    .add('POST', '/v1/invoices/:id/finalize', finalize)
    .add('POST', '/v1/invoices/:id/pay', pay)
    .add('POST', '/v1/invoices/:id/void', voidInvoice)
    .add('POST', '/v1/invoices/:id/mark_uncollectible', markUncollectible)
    .add('GET', '/v1/invoices/:id/lines', ({ store, params, input }) => {
      const invoice = findInvoice(store, params.id);
      allowOnly(input, ['limit', 'starting_after', 'ending_before']);
      // Lines are oldest first on Stripe, unlike top-level lists.
      return paginate(`/v1/invoices/${invoice.id}/lines`, invoice.lines.data, input);
    });
}
