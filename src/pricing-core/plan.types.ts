import type { Decimal } from '../common/money';

// The plan document as stored and as accepted by the API (DESIGN §5). Amounts are decimal strings
// so a plan round-trips through JSON and DynamoDB without ever becoming a float.

export type Aggregation = 'sum' | 'count';

export interface Tier {
  /** Inclusive upper bound in units; null only on the last tier, which is unbounded. */
  upTo: number | null;
  unitAmount: string;
  /** Charged once when the tier is reached (graduated) or selected (volume). */
  flatAmount?: string;
}

interface ChargeBase {
  id: string;
  /** "*" (all usage), "/api/search" (exact) or "/api/*" (everything under /api/). */
  endpoint: string;
  aggregation: Aggregation;
}

export interface PerUnitCharge extends ChargeBase {
  model: 'per_unit';
  unitAmount: string;
}

export interface TieredCharge extends ChargeBase {
  model: 'graduated' | 'volume';
  tiers: Tier[];
}

export interface PackageCharge extends ChargeBase {
  model: 'package';
  packageSize: number;
  packageAmount: string;
  rounding: 'up' | 'down';
  freeUnits?: number;
}

export interface FlatCharge extends ChargeBase {
  model: 'flat';
  amount: string;
}

export type ChargeDefinition = PerUnitCharge | TieredCharge | PackageCharge | FlatCharge;
export type ChargeModel = ChargeDefinition['model'];

export const CHARGE_MODELS: readonly ChargeModel[] = [
  'per_unit',
  'graduated',
  'volume',
  'package',
  'flat',
];

export interface PlanDocument {
  id: string;
  name: string;
  /** ISO 4217, upper case. */
  currency: string;
  baseFee: string;
  minimumCharge: string;
  limits?: { unitsPerDay?: number };
  charges: ChargeDefinition[];
}

/** Usage already aggregated per endpoint for the period being priced. */
export interface UsageRow {
  endpoint: string;
  /** Decimal string: the sum of event quantities. */
  quantity: string;
  /** Number of events; a count, never money. */
  events: number;
}

export interface PriceOptions {
  /** Share of the base fee to charge, e.g. days on the plan / days in the period. Default 1. */
  baseFeeFactor?: Decimal;
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

export interface LineBreakdown {
  chargeId: string;
  endpoint: string;
  model: ChargeModel;
  quantity: Decimal;
  /** Exact value before rounding, kept for audit and tests. */
  exactAmount: Decimal;
  /** exactAmount rounded once, half-up, to the currency's minor unit. */
  amount: Decimal;
  tiers: TierBreakdown[];
}

/** All money values except line/tier exact amounts are already rounded to the minor unit. */
export interface PriceBreakdown {
  currency: string;
  total: Decimal;
  subtotal: Decimal;
  baseFee: Decimal;
  minimumTopUp: Decimal;
  lines: LineBreakdown[];
}
