import type { Decimal } from '../common/money';
import type { ChargeModelRegistry, RegisteredCharge } from './charge-model-registry';
import type { TierBreakdown } from './charge.types';

export type { Aggregation, ChargeBase, Tier, TierBreakdown } from './charge.types';

// The plan document as stored and as accepted by the API (DESIGN §5). Amounts are decimal strings
// so a plan round-trips through JSON and DynamoDB without ever becoming a float.

/**
 * A charge of any model in CHARGE_MODEL_DEFINITIONS (charge-model-registry.ts). Each model's
 * charge type lives in its file under charge-models/; registering the model adds it here.
 */
export type ChargeDefinition = RegisteredCharge;
export type ChargeModel = ChargeDefinition['model'];

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
  /** The charge models the plan is validated and priced with; the production registry by default. */
  chargeModels?: ChargeModelRegistry;
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
