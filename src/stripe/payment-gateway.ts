/**
 * The payment-provider port (DESIGN §1): callers depend on this abstract class, which is also the
 * injection token (`{ provide: PaymentGateway, useFactory: ... }`). Amounts cross it as integer
 * strings in minor units, so money never becomes a JS number on our side of the boundary.
 */

export interface EnsureCustomerInput {
  /** Our customer id; the provider customer carries it as `metadata.customerId`. */
  customerId: string;
  email: string;
  name: string;
  metadata?: Record<string, string>;
}

export interface ProviderInvoiceLine {
  /** Stable within the invoice; part of the line's idempotency key. */
  lineId: string;
  description: string;
  /** Integer string in the currency's minor unit ("1250" = USD 12.50, "1200" = JPY 1200). */
  amountMinor: string;
}

export interface PushInvoiceInput {
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  providerCustomerId: string;
  /** `YYYY-MM` */
  period: string;
  /** ISO-4217, any case. */
  currency: string;
  lines: ProviderInvoiceLine[];
}

export interface ProviderInvoice {
  providerInvoiceId: string;
  /** The provider's own invoice number (assigned at finalization). */
  providerNumber: string | null;
  /** Page where the customer can see and pay the invoice. */
  hostedUrl: string | null;
  /** Provider status: `open`, or `paid` when nothing is due, `void` if voided there since. */
  status: string;
  amountDueMinor: string;
}

export abstract class PaymentGateway {
  /** False when no provider is configured: invoices stay local, callers must not call the rest. */
  abstract readonly enabled: boolean;

  /**
   * The provider's name (`stripe`), stored with every customer link (`providerCustomer`) so the
   * links of two providers never mix.
   */
  abstract readonly provider: string;

  /** Creates (or finds, on retry) the provider customer for our customer id. */
  abstract ensureCustomer(input: EnsureCustomerInput): Promise<{ providerCustomerId: string }>;

  /**
   * Pushes a finalized invoice: one provider invoice item per line, a provider invoice holding
   * exactly those items, finalized. Safe to call again after any failure, or after success:
   * nothing is ever created twice and the finished invoice is returned.
   */
  abstract pushInvoice(input: PushInvoiceInput): Promise<ProviderInvoice>;

  /** Voids the provider invoice; succeeds when it is already void. */
  abstract voidInvoice(providerInvoiceId: string, invoiceId: string): Promise<void>;
}

/** `PaymentGateway.provider` of the Stripe gateway, and of customer links from Stripe webhooks. */
export const STRIPE_PROVIDER = 'stripe';
