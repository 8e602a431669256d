import type { TransactItem } from '../database/transact-item';
import type { BillingReason, InvoiceLine } from './invoice.model';

/**
 * The seam through which other modules take part in an invoice's amounts without the billing
 * module knowing them: prepaid credits are the first. An adjuster extends `InvoiceAdjuster` and
 * is listed among its module's providers; billing finds every one at start-up.
 *
 * Every time an invoice's amounts are built (a new draft, refresh, finalize, billing runs) each
 * adjuster in turn, in name order, is asked what it does to the invoice (`adjust`), seeing the
 * lines and what is still due after the adjusters before it. Drafts only show the lines (a preview: nothing is written).
 * When the invoice is finalized, the adjustment's `items` go into the same transaction that
 * finalizes it, so the adjuster's own records (a credit ledger, say) change exactly when the
 * invoice does. Those items must be conditional on the state `adjust` read: if that state moved
 * in between, the transaction fails and finalize builds the invoice again.
 */
export abstract class InvoiceAdjuster {
  /** Stable, lower-case: prefixes the ids of the lines it adds (`credits` → `credits-1`). */
  abstract readonly name: string;
  abstract adjust(context: InvoiceAdjustmentContext): Promise<InvoiceAdjustment>;
}

export interface InvoiceAdjustmentContext {
  invoiceId: string;
  /** The invoice's number: part of every provider idempotency key, so stable across retries. */
  number: string;
  customerId: string;
  /** `YYYY-MM` */
  period: string;
  /**
   * `period`: the invoice closing the period; `threshold`: one issued during the period when its
   * usage spend reached a billing threshold (usage lines only, see `threshold`).
   */
  billingReason: BillingReason;
  /** Threshold invoices: which threshold of the period (1-based). */
  threshold?: { index: number; value: string };
  currency: string;
  /** The priced lines (usage, base fees, minimum top-up), then the earlier adjusters' lines. */
  lines: readonly InvoiceLine[];
  /** Decimal string: the priced lines and adjustment lines so far (credits not deducted). */
  total: string;
  /** Decimal string: what is still due after the adjusters before this one (≥ 0). */
  amountDue: string;
  /** ISO instant the invoice is built at. */
  at: string;
  /** True when finalizing (the items will be written); false for a draft preview. */
  finalizing: boolean;
}

/**
 * A line an adjuster adds: a `credit` (negative: it pays part of what is due), an `adjustment`
 * (positive: a charge the priced lines do not hold, e.g. late usage of a past period; it adds to
 * the total) or a `deduction` (negative: part of the priced lines billed on another invoice, e.g.
 * a threshold invoice; it takes off the total).
 */
export interface InvoiceAdjustmentLine {
  kind: Extract<InvoiceLine['kind'], 'credit' | 'adjustment' | 'deduction'>;
  description: string;
  /** Decimal string in major units, rounded to the currency's minor unit; sign as above. */
  amount: string;
  /** What the line refers to in the adjuster's own records (e.g. a credit grant's id). */
  reference?: string;
}

export interface InvoiceAdjustment {
  lines: InvoiceAdjustmentLine[];
  /** Written with the finalized invoice, in its transaction (empty for previews). */
  items: TransactItem[];
}

export const NO_ADJUSTMENT: InvoiceAdjustment = { lines: [], items: [] };
