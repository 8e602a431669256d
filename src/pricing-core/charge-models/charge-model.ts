import type { Decimal } from '../../common/money';
import type { PlanObject, PlanProblems } from '../plan-problems';
import type { ChargeBase, TierBreakdown } from '../charge.types';

/** Exact amount of one charge at one quantity; `tiers` is empty for models without tiers. */
export interface ChargeAmount {
  amount: Decimal;
  tiers: TierBreakdown[];
}

/** What a charge of any model has: the common fields and its model's name. */
export interface AnyCharge extends ChargeBase {
  model: string;
}

/**
 * A model-specific field of a charge, as the OpenAPI document shows it. `decimal` is a decimal
 * string such as "0.002"; `tiers` an array of tiers (upTo, unitAmount, flatAmount).
 */
export interface ChargeModelField {
  type: 'decimal' | 'integer' | 'number' | 'string' | 'tiers';
  /** The values a `string` field accepts. */
  enum?: readonly string[];
  /** Whether a charge of this model must have the field (validate enforces it). */
  required: boolean;
  description: string;
  example?: string | number;
}

/**
 * One charge model: everything validation, pricing and the API documentation need to know about
 * it. Nothing outside its definition switches on the model's name.
 */
export interface ChargeModelDefinition<C extends AnyCharge = AnyCharge> {
  /** The charge's `model` value, e.g. "graduated". */
  name: C['model'];
  /** One line, for the README and the OpenAPI document. */
  description: string;
  /** The fields this model accepts besides id, endpoint, aggregation and model. */
  fields: Readonly<Record<string, ChargeModelField>>;
  /**
   * Adds a problem for each bad model-specific field of `charge` (already known to be an object
   * of this model; unknown fields are reported by the caller). `path` is the charge's path with a
   * trailing dot, e.g. "charges[0].".
   */
  validate(charge: PlanObject, path: string, problems: PlanProblems): void;
  /** Exact, unrounded amount of a charge that passed validate: the caller rounds each line once. */
  price(charge: C, quantity: Decimal): ChargeAmount;
}

/** The charge type of a definition: ChargeOf<ChargeModelDefinition<FlatCharge>> is FlatCharge. */
export type ChargeOf<D> = D extends ChargeModelDefinition<infer C> ? C : never;
