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

/** Why a credit note was issued, in the provider's words; none for our `other`. */
export type ProviderCreditNoteReason =
  'duplicate' | 'fraudulent' | 'order_change' | 'product_unsatisfactory';

export interface PushCreditNoteInput {
  /** Our credit note's id: its idempotency key and `metadata.creditNoteId`. */
  creditNoteId: string;
  creditNoteNumber: string;
  invoiceId: string;
  customerId: string;
  /** The provider invoice it credits. */
  providerInvoiceId: string;
  currency: string;
  reason?: ProviderCreditNoteReason;
  memo?: string;
  /** Integer string in minor units: the provider credit note's total. */
  amountMinor: string;
  /**
   * Per invoice line (our line ids, as pushed with the invoice), adding up to `amountMinor`;
   * absent: one amount on the invoice as a whole.
   */
  lines?: { lineId: string; amountMinor: string }[];
  /** Minor units refunded from the invoice's payment. */
  refundMinor: string;
  /** Minor units credited to the provider's customer balance (applied to its next invoices). */
  creditMinor: string;
  /** Minor units credited outside the provider (e.g. our own credit grants). */
  outOfBandMinor: string;
}

/** `pending` until the money has moved; `failed` covers canceled refunds too. */
export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed';

export interface ProviderRefund {
  refundId: string;
  amountMinor: string;
  /** Null when the provider did not say (the refund was not expanded). */
  status: ProviderRefundStatus | null;
  failureReason: string | null;
  /** Epoch seconds, the provider's clock: when the refund was created there (null: unknown). */
  reportedAt: number | null;
}

export interface ProviderCreditNote {
  providerCreditNoteId: string;
  providerNumber: string | null;
  /** `issued` or `void`. */
  status: string;
  refunds: ProviderRefund[];
}

/** Maps a provider refund status (Stripe's `pending`, `requires_action`, `canceled`…) to ours. */
export function refundStatusOf(status: unknown): ProviderRefundStatus | null {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'pending':
    case 'requires_action':
      return 'pending';
    default:
      return null;
  }
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

  /**
   * Marks the provider invoice paid outside the provider (the money came by bank transfer, check…),
   * so both sides agree it is settled. Idempotent on our invoice id; succeeds when it is paid there
   * already.
   */
  abstract payInvoiceOutOfBand(providerInvoiceId: string, invoiceId: string): Promise<void>;

  /**
   * Mirrors one of our credit notes on the provider invoice, refunding `refundMinor` of its
   * payment. Idempotent on our credit note's id: calling it again after any failure, or after a
   * success whose answer was lost, returns the credit note that exists.
   */
  abstract pushCreditNote(input: PushCreditNoteInput): Promise<ProviderCreditNote>;

  /** Voids the provider credit note; succeeds when it is already void. */
  abstract voidCreditNote(
    providerCreditNoteId: string,
    creditNoteId: string,
  ): Promise<ProviderCreditNote>;
}

/** `PaymentGateway.provider` of the Stripe gateway, and of customer links from Stripe webhooks. */
export const STRIPE_PROVIDER = 'stripe';
