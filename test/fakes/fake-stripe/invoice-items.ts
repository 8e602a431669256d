import type Stripe from 'stripe';
import { activeCustomer } from './customers';
import { invalidRequest, invalidState, missingParam, noSuch } from './errors';
import { attachItem, decimalTimes, detachItem } from './invoice-model';
import { allowOnly, bool, currency, int, mergeMetadata, requiredStr, str } from './params';
import type { Router } from './router';
import { paginate, randomId, type Store } from './store';
import type { Params, StripeObject } from './types';

const CREATE_PARAMS = [
  'amount',
  'currency',
  'customer',
  'customer_account',
  'description',
  'discountable',
  'discounts',
  'invoice',
  'metadata',
  'period',
  'price_data',
  'pricing',
  'quantity',
  'subscription',
  'tax_behavior',
  'tax_code',
  'tax_rates',
  'unit_amount_decimal',
];

/** Items can only be attached to drafts of the same customer and currency. */
function draftInvoiceFor(store: Store, id: string, customerId: string): StripeObject {
  const invoice = store.invoices.get(id);
  if (!invoice || invoice.deleted) throw noSuch('invoice', id, 'invoice', 400);
  if (invoice.status !== 'draft') {
    throw invalidState(
      `You can only add invoice items to draft invoices; invoice ${id} is ${invoice.status}.`,
      'invoice_not_editable',
    );
  }
  if (invoice.customer !== customerId) {
    throw invalidRequest(
      `The invoice ${id} belongs to customer ${invoice.customer}, not ${customerId}.`,
      { param: 'invoice' },
    );
  }
  return invoice;
}

/** `amount` is the line total; `unit_amount_decimal` is multiplied by `quantity`. */
function pricing(input: Params) {
  if (input.price_data !== undefined || input.pricing !== undefined) {
    const param = input.price_data !== undefined ? 'price_data' : 'pricing';
    throw invalidRequest(
      `fake-stripe does not implement ${param}; use amount or unit_amount_decimal`,
      { param },
    );
  }
  const amount = int(input, 'amount');
  const unitDecimal = str(input, 'unit_amount_decimal');
  const quantity = int(input, 'quantity', { min: 0 }) ?? 1;
  if (amount !== undefined && unitDecimal !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: amount, unit_amount_decimal.',
      { param: 'amount' },
    );
  }
  if (unitDecimal !== undefined) {
    return { amount: decimalTimes(unitDecimal, quantity), unitDecimal, quantity };
  }
  if (amount === undefined) throw missingParam('amount');
  return { amount, unitDecimal: String(amount), quantity };
}

function period(input: Params, now: number): { start: number; end: number } {
  if (input.period === undefined) return { start: now, end: now };
  const p = input.period;
  if (typeof p !== 'object' || p === null) {
    throw invalidRequest('Invalid period: must be a hash', { param: 'period' });
  }
  const start = int(p as Params, 'start');
  const end = int(p as Params, 'end');
  if (start === undefined) throw missingParam('period[start]');
  if (end === undefined) throw missingParam('period[end]');
  if (end < start) {
    throw invalidRequest('The period end must be on or after the period start.', {
      param: 'period[end]',
    });
  }
  return { start, end };
}

export function registerInvoiceItems(router: Router): void {
  router.add('POST', '/v1/invoiceitems', ({ store, input, request }) => {
    allowOnly(input, CREATE_PARAMS);
    const customerId = requiredStr(input, 'customer');
    const customer = activeCustomer(store, customerId, 'customer', 400);
    const invoiceId = str(input, 'invoice');
    const invoice = invoiceId ? draftInvoiceFor(store, invoiceId, customerId) : null;
    const price = pricing(input);
    const cur = currency(input) ?? invoice?.currency ?? customer.currency ?? 'usd';
    if (invoice && cur !== invoice.currency) {
      throw invalidRequest(
        `The currency of the invoice item (${cur}) must match the currency of the invoice (${invoice.currency}).`,
        { param: 'currency' },
      );
    }
    const now = store.now();
    const item: Stripe.InvoiceItem = {
      id: randomId('ii_'),
      object: 'invoiceitem',
      amount: price.amount,
      currency: cur,
      customer: customerId,
      customer_account: null,
      date: now,
      description: str(input, 'description') ?? null,
      discountable: bool(input, 'discountable') ?? true,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: mergeMetadata({}, input),
      net_amount: price.amount,
      parent: null,
      period: period(input, now),
      pricing: { type: 'price_details', unit_amount_decimal: price.unitDecimal },
      proration: false,
      quantity: price.quantity,
      tax_rates: [],
      test_clock: null,
    };
    store.invoiceItems.set(item.id, item);
    if (invoice) attachItem(invoice, item);
    store.emit('invoiceitem.created', item, request);
    return item;
  });

  router.add('GET', '/v1/invoiceitems/:id', ({ store, params }) => {
    const item = store.invoiceItems.get(params.id);
    if (!item) throw noSuch('invoiceitem', params.id, 'id', 404);
    return item;
  });

  router.add('DELETE', '/v1/invoiceitems/:id', ({ store, params, request }) => {
    const item = store.invoiceItems.get(params.id);
    if (!item || item.deleted) throw noSuch('invoiceitem', params.id, 'id', 404);
    const invoice = item.invoice ? store.invoices.get(item.invoice as string) : undefined;
    if (invoice && invoice.status !== 'draft') {
      throw invalidState(
        `Invoice item ${item.id} is on invoice ${invoice.id}, which is no longer editable.`,
        'invoice_not_editable',
      );
    }
    if (invoice) detachItem(invoice, item.id);
    const stub: Stripe.DeletedInvoiceItem = { id: item.id, object: 'invoiceitem', deleted: true };
    store.invoiceItems.set(item.id, stub);
    store.emit('invoiceitem.deleted', item, request);
    return stub;
  });

  router.add('GET', '/v1/invoiceitems', ({ store, input }) => {
    allowOnly(input, [
      'created',
      'customer',
      'customer_account',
      'invoice',
      'pending',
      'limit',
      'starting_after',
      'ending_before',
    ]);
    const customer = str(input, 'customer');
    const invoice = str(input, 'invoice');
    const pending = bool(input, 'pending');
    const list = [...store.invoiceItems.values()]
      .filter(
        (i: StripeObject) =>
          !i.deleted &&
          (customer === undefined || i.customer === customer) &&
          (invoice === undefined || i.invoice === invoice) &&
          (pending === undefined || (i.invoice === null) === pending),
      )
      .reverse();
    return paginate('/v1/invoiceitems', list, input);
  });
}
