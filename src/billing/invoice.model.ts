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

export interface InvoiceLine {
  /** Stable within the invoice (`L1`, `L2`, …); part of the Stripe idempotency key of its item. */
  id: string;
  kind: 'usage' | 'base_fee' | 'minimum';
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
}

export interface ProviderInvoice {
  invoiceId: string;
  number: string | null;
  hostedUrl: string | null;
  status: string;
}

export interface Invoice {
  id: string;
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
  total: string;
  amountPaid: string;
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

/** One invoice per customer and period: the id is derived from both, so it is the natural key. */
export const invoiceIdFor = (customerId: string, period: string): string =>
  `inv_${customerId}_${period}`;
