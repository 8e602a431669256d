import type Stripe from 'stripe';
import { noSuch } from './errors';
import { allowOnly, int, mergeMetadata, str } from './params';
import type { Router } from './router';
import { paginate, pick, randomId, type Store } from './store';
import type { Params, StripeObject } from './types';

const CREATE_PARAMS = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'description',
  'email',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'payment_method',
  'phone',
  'preferred_locales',
  'shipping',
  'source',
  'tax',
  'tax_exempt',
  'tax_id_data',
  'test_clock',
  'validate',
];
const UPDATE_PARAMS = [
  ...CREATE_PARAMS.filter((p) => !['payment_method', 'tax_id_data', 'test_clock'].includes(p)),
  'default_source',
];
/** Fields the fake actually models on update; the rest are accepted and ignored. */
const MUTABLE_FIELDS = ['email', 'name', 'description', 'phone', 'invoice_prefix', 'balance'];

/** Stripe derives a per-customer invoice number prefix; only its format matters here. */
function invoicePrefix(): string {
  return randomId('', 8)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X');
}

function validPrefix(input: Params): string | undefined {
  const prefix = str(input, 'invoice_prefix');
  return prefix ? prefix.toUpperCase() : undefined;
}

/** Active (non-deleted) customer or the Stripe error for the caller's context. */
export function activeCustomer(store: Store, id: string, param: string, status: 400 | 404) {
  const customer = store.customers.get(id);
  if (!customer || customer.deleted) throw noSuch('customer', id, param, status);
  return customer;
}

export function registerCustomers(router: Router): void {
  router.add('POST', '/v1/customers', ({ store, input, request }) => {
    allowOnly(input, CREATE_PARAMS);
    const customer: Stripe.Customer = {
      id: randomId('cus_', 14),
      object: 'customer',
      address: null,
      balance: int(input, 'balance') ?? 0,
      created: store.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: str(input, 'description') ?? null,
      discount: null,
      email: str(input, 'email') ?? null,
      invoice_prefix: validPrefix(input) ?? invoicePrefix(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: mergeMetadata({}, input),
      name: str(input, 'name') ?? null,
      next_invoice_sequence: int(input, 'next_invoice_sequence', { min: 1 }) ?? 1,
      phone: str(input, 'phone') ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    store.customers.set(customer.id, customer);
    store.emit('customer.created', customer, request);
    return customer;
  });

  // Deleted customers stay retrievable as `{ deleted: true }` stubs, like Stripe.
  router.add('GET', '/v1/customers/:id', ({ store, params }) => {
    const customer = store.customers.get(params.id);
    if (!customer) throw noSuch('customer', params.id, 'id', 404);
    return customer;
  });

  router.add('POST', '/v1/customers/:id', ({ store, params, input, request }) => {
    allowOnly(input, UPDATE_PARAMS);
    const customer = activeCustomer(store, params.id, 'id', 404);
    const changed = [...MUTABLE_FIELDS, 'metadata'].filter((k) => input[k] !== undefined);
    const previous = pick(customer, changed);
    // Validate everything before mutating so a rejected update leaves no trace.
    const updates: Record<string, unknown> = {};
    for (const field of MUTABLE_FIELDS) {
      if (input[field] === undefined) continue;
      if (field === 'balance') updates.balance = int(input, 'balance');
      else if (field === 'invoice_prefix') updates.invoice_prefix = validPrefix(input);
      else updates[field] = str(input, field) || null;
    }
    updates.metadata = mergeMetadata(customer.metadata as Record<string, string>, input);
    Object.assign(customer, updates);
    if (changed.length > 0) store.emit('customer.updated', customer, request, previous);
    return customer;
  });

  router.add('DELETE', '/v1/customers/:id', ({ store, params, request }) => {
    const customer = activeCustomer(store, params.id, 'id', 404);
    const stub: Stripe.DeletedCustomer = { id: customer.id, object: 'customer', deleted: true };
    store.customers.set(customer.id, stub);
    store.emit('customer.deleted', customer, request);
    return stub;
  });

  router.add('GET', '/v1/customers', ({ store, input }) => {
    allowOnly(input, [
      'created',
      'email',
      'limit',
      'starting_after',
      'ending_before',
      'test_clock',
    ]);
    const email = str(input, 'email');
    const list = [...store.customers.values()]
      .filter((c: StripeObject) => !c.deleted && (email === undefined || c.email === email))
      .reverse();
    return paginate('/v1/customers', list, input);
  });
}
