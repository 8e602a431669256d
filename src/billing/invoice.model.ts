import { Dec, ZERO, formatMoney } from '../common/money';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/** Forward-only status machine (DESIGN §6). Paying an uncollectible invoice is allowed, as in Stripe. */
export const INVOICE_TRANSITIONS: Record<InvoiceStatus, InvoiceStatus[]> = {
  draft: ['open', 'void'],
  open: ['paid', 'void', 'uncollectible'],
  uncollectible: ['paid'],
  paid: [],
  void: [],
};

export const canTransition = (from: InvoiceStatus, to: InvoiceStatus): boolean =>
  INVOICE_TRANSITIONS[from].includes(to);

export interface InvoiceTier {
  from: string;
  to: string | null;
  quantity: string;
  unitAmount: string;
  flatAmount: string;
  amount: string;
}

export const INVOICE_LINE_KINDS = [
  'usage',
  'base_fee',
  'minimum',
  'credit',
  'adjustment',
  'deduction',
] as const;
export type InvoiceLineKind = (typeof INVOICE_LINE_KINDS)[number];

/**
 * Why an invoice exists: `period` (the one invoice closing a customer's period) or `threshold`
 * (issued during the period when its usage spend reached a billing threshold; see the
 * threshold-billing module).
 */
export type BillingReason = 'period' | 'threshold';

export interface InvoiceLine {
  /** Stable within the invoice (`L1`, `L2`, …); part of the Stripe idempotency key of its item. */
  id: string;
  /**
   * `credit` (negative: prepaid credits), `adjustment` (positive: corrected usage of a past
   * period) and `deduction` (negative: part of the period billed on another invoice, such as a
   * threshold invoice) lines come from invoice adjusters.
   */
  kind: InvoiceLineKind;
  description: string;
  /** Decimal string in major units, rounded to the currency's minor unit. */
  amount: string;
  chargeId?: string;
  endpoint?: string;
  model?: string;
  quantity?: string;
  planId?: string;
  planVersion?: number;
  tiers?: InvoiceTier[];
  /** Credit lines: what the line refers to in its adjuster's records (e.g. a credit grant). */
  reference?: string;
  /** What issued credit notes credited on this line (absent while none did); ≤ `amount`. */
  credited?: string;
}

export interface ProviderInvoice {
  invoiceId: string;
  number: string | null;
  hostedUrl: string | null;
  status: string;
}

/** How a payment recorded without a payment provider was made. */
export const PAYMENT_METHODS = [
  'bank_transfer',
  'check',
  'cash',
  'card_external',
  'other',
] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** A payment recorded on the invoice through the API (money received outside any provider). */
export interface InvoicePayment {
  /** Unique within the invoice: the caller's `paymentId`, or generated. */
  id: string;
  /** Decimal string in the invoice's currency, with its minor-unit decimals; > 0. */
  amount: string;
  method: PaymentMethod;
  reference: string | null;
  /** When the money was received (ISO), as the caller says. */
  paidAt: string;
  /** When it was recorded here (ISO). */
  recordedAt: string;
}

export interface Invoice {
  id: string;
  /** Absent on invoices stored before threshold invoices existed: `period`. */
  billingReason?: BillingReason;
  /** Threshold invoices: which threshold of the period (1-based) and its value. */
  threshold?: { index: number; value: string };
  /** Unique and human readable: `INV-<YYYYMM>-<6-digit sequence>`. */
  number: string;
  customerId: string;
  period: string;
  currency: string;
  status: InvoiceStatus;
  lines: InvoiceLine[];
  subtotal: string;
  baseFee: string;
  minimumTopUp: string;
  /** The priced lines' sum (usage, base fees, minimum top-up), before credits. */
  total: string;
  /** What credit lines take off the total (≥ 0). */
  credits: string;
  /**
   * total − credits − what credit notes took off while the invoice was open: what the customer
   * is asked to pay.
   */
  amountDue: string;
  /** What issued (not void) credit notes credited, on any status (≤ total). */
  creditedTotal: string;
  amountPaid: string;
  /** Payments recorded without a provider (`POST /v1/invoices/:id/payments`), oldest first. */
  payments?: InvoicePayment[];
  paymentAttempts: number;
  provider: ProviderInvoice | null;
  createdAt: string;
  updatedAt: string;
  finalizedAt?: string;
  paidAt?: string;
  voidedAt?: string;
  markedUncollectibleAt?: string;
  revision: number;
}

/** What pricing and the adjusters decide about an invoice (see `invoiceAmounts`, `InvoiceAdjusters`). */
export type InvoiceAmounts = Pick<
  Invoice,
  'lines' | 'subtotal' | 'baseFee' | 'minimumTopUp' | 'total' | 'credits' | 'amountDue' | 'currency'
>;

/** One invoice per customer and period: the id is derived from both, so it is the natural key. */
export const invoiceIdFor = (customerId: string, period: string): string =>
  `inv_${customerId}_${period}`;

/**
 * A threshold invoice: the `index`-th billing threshold of the customer's period. Derived like
 * the period invoice's id, so each threshold is invoiced at most once.
 */
export const thresholdInvoiceIdFor = (customerId: string, period: string, index: number): string =>
  `${invoiceIdFor(customerId, period)}_t${index}`;

/** Whether the invoice is the period's own (not a threshold invoice). */
export const isPeriodInvoice = (invoice: Pick<Invoice, 'billingReason'>): boolean =>
  (invoice.billingReason ?? 'period') === 'period';

/** What the payment provider reports about one of our invoices (webhooks). */
export interface ProviderInvoiceUpdate {
  status?: Extract<InvoiceStatus, 'paid' | 'void' | 'uncollectible'>;
  /** Decimal string in major units; with `status: 'paid'` (defaults to the total). */
  amountPaid?: string;
  /** The provider's payment attempt count; only ever raises ours. */
  paymentAttempts?: number;
  /** The provider invoice's own status, mirrored into `provider.status` on a transition. */
  providerStatus?: string;
  /** When it happened at the provider (ISO). */
  at: string;
}

/**
 * The invoice after a provider report, or undefined when the report changes nothing. Forward
 * only, whatever order reports arrive in: a status the machine does not allow from the current
 * one is dropped (a late "void" after "paid"), and attempts only count while the invoice is
 * still payable (a late "payment failed" after "paid" changes nothing).
 */
export function withProviderUpdate(
  invoice: Invoice,
  update: ProviderInvoiceUpdate,
): Invoice | undefined {
  const next: Invoice = { ...invoice };
  let changed = false;
  const payable = invoice.status === 'open' || invoice.status === 'uncollectible';
  if (
    payable &&
    update.paymentAttempts !== undefined &&
    update.paymentAttempts > invoice.paymentAttempts
  ) {
    next.paymentAttempts = update.paymentAttempts;
    changed = true;
  }
  const to = update.status;
  if (to && canTransition(invoice.status, to)) {
    next.status = to;
    changed = true;
    if (to === 'paid') {
      next.amountPaid = update.amountPaid ?? invoice.amountDue;
      next.paidAt = update.at;
    } else if (to === 'void') {
      next.voidedAt = update.at;
    } else {
      next.markedUncollectibleAt = update.at;
    }
    if (next.provider && update.providerStatus) {
      next.provider = { ...next.provider, status: update.providerStatus };
    }
  }
  return changed ? next : undefined;
}

/**
 * A new draft: what `POST /v1/invoices` stores and what a billing run starts from. The id is
 * the natural key; `number` comes from the period's counter.
 */
export function draftInvoice(fields: {
  customerId: string;
  period: string;
  number: string;
  amounts: InvoiceAmounts;
  at: string;
  /** A threshold invoice instead of the period's own. */
  threshold?: { index: number; value: string };
}): Invoice {
  return {
    id: fields.threshold
      ? thresholdInvoiceIdFor(fields.customerId, fields.period, fields.threshold.index)
      : invoiceIdFor(fields.customerId, fields.period),
    ...(fields.threshold ? { billingReason: 'threshold', threshold: fields.threshold } : {}),
    number: fields.number,
    customerId: fields.customerId,
    period: fields.period,
    status: 'draft',
    ...fields.amounts,
    creditedTotal: formatMoney(ZERO, fields.amounts.currency),
    amountPaid: '0',
    paymentAttempts: 0,
    provider: null,
    createdAt: fields.at,
    updatedAt: fields.at,
    revision: 1,
  };
}

/**
 * A draft with its final amounts, opened: like Stripe, an invoice with nothing to pay is settled
 * the moment it is finalized. The same rule whether one invoice is finalized or a run does many.
 */
export function finalizedInvoice(
  frozen: Invoice,
  provider: Invoice['provider'],
  at: string,
): Invoice {
  const nothingDue = new Dec(frozen.amountDue).isZero();
  return {
    ...frozen,
    provider,
    status: nothingDue ? 'paid' : 'open',
    finalizedAt: at,
    ...(nothingDue ? { paidAt: at } : {}),
  };
}

/** `next` stored as the revision after `current` (optimistic concurrency). */
export function nextRevision(next: Invoice, current: Invoice, at: string): Invoice {
  return { ...next, updatedAt: at, revision: current.revision + 1 };
}
