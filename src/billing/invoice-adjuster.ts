import type { TransactItem } from '../database/transact-item';
import type { InvoiceLine } from './invoice.model';

/**
 * The seam through which other modules take part in an invoice's amounts without the billing
 * module knowing them: prepaid credits are the first. An adjuster extends `InvoiceAdjuster` and
 * is listed among its module's providers; billing finds every one at start-up.
 *
 * Every time an invoice's amounts are built (a new draft, refresh, finalize, billing runs) each
 * adjuster in turn is asked what it does to the invoice (`adjust`), seeing what is still due
 * after the adjusters before it. Drafts only show the lines (a preview: nothing is written).
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
  currency: string;
  /** The priced lines (usage, base fees, minimum top-up), before any adjustment. */
  lines: readonly InvoiceLine[];
  /** Decimal string: the sum of `lines`. */
  total: string;
  /** Decimal string: what is still due after the adjusters before this one (≥ 0). */
  amountDue: string;
  /** ISO instant the invoice is built at. */
  at: string;
  /** True when finalizing (the items will be written); false for a draft preview. */
  finalizing: boolean;
}

/** A line an adjuster adds; `amount` is negative (it reduces what is due). */
export interface InvoiceAdjustmentLine {
  /** Line kind, e.g. `credit`. */
  kind: Extract<InvoiceLine['kind'], 'credit'>;
  description: string;
  /** Decimal string in major units, negative, rounded to the currency's minor unit. */
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
