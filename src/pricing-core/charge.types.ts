import type { Decimal } from '../common/money';

// What every charge model shares: the common fields of a charge and the tier shapes. Model files
// (charge-models/) and plan.types.ts both build on these, so neither imports the other.

export type Aggregation = 'sum' | 'count';

export interface Tier {
  /** Inclusive upper bound in units; null only on the last tier, which is unbounded. */
  upTo: number | null;
  unitAmount: string;
  /** Charged once when the tier is reached (graduated) or selected (volume). */
  flatAmount?: string;
}

export interface ChargeBase {
  id: string;
  /** "*" (all usage), "/api/search" (exact) or "/api/*" (everything under /api/). */
  endpoint: string;
  aggregation: Aggregation;
}

/**
 * One tier of a tiered line. The tier covers quantities in (from, to]: `from` is the previous
 * tier's upTo (0 for the first), so fractional quantities such as 1000.5 have exactly one home.
 * Invariant: amount = quantity × unitAmount + flatAmount, where flatAmount is what was charged
 * (0 for a tier that was not reached).
 */
export interface TierBreakdown {
  from: Decimal;
  to: Decimal | null;
  quantity: Decimal;
  unitAmount: Decimal;
  flatAmount: Decimal;
  /** Exact, unrounded. */
  amount: Decimal;
}
