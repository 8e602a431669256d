import type { Decimal } from '../common/money';
import type {
  AnyCharge,
  ChargeAmount,
  ChargeModelDefinition,
  ChargeOf,
} from './charge-models/charge-model';
import { flatModel } from './charge-models/flat';
import { graduatedModel } from './charge-models/graduated';
import { packageModel } from './charge-models/package';
import { perUnitModel } from './charge-models/per-unit';
import { volumeModel } from './charge-models/volume';
import { InvalidPlanError } from './pricing.errors';

/*
 * The charge models a plan may use. A new model needs:
 *   1. one file in charge-models/ exporting its charge type (an interface extending ChargeBase
 *      with a literal `model`) and a ChargeModelDefinition of it: name, one-line description,
 *      fields (for unknown-field checks and the OpenAPI document), validate and price;
 *   2. its definition added to CHARGE_MODEL_DEFINITIONS below: the ChargeDefinition union,
 *      validatePlan, priceUsage and the plan schema in the OpenAPI document all follow from it;
 *   3. fixtures in fixtures/*.json for its prices and its validation problems.
 * Re-exporting its charge type from index.ts is optional.
 */
export const CHARGE_MODEL_DEFINITIONS = [
  perUnitModel,
  graduatedModel,
  volumeModel,
  packageModel,
  flatModel,
] as const;

/** Union of the registered models' charge types; plan.types names it ChargeDefinition. */
export type RegisteredCharge = ChargeOf<(typeof CHARGE_MODEL_DEFINITIONS)[number]>;

export interface ChargeModelRegistry {
  /** Model names in registration order, as error messages and the OpenAPI enum list them. */
  readonly names: readonly string[];
  /** The definition of a model name; undefined for anything else, including non-strings. */
  get(name: unknown): ChargeModelDefinition | undefined;
}

/**
 * A registry of the given models. Production uses CHARGE_MODEL_REGISTRY; tests build one with an
 * extra model and pass it to validatePlan, parsePlan and priceUsage.
 */
export function createChargeModelRegistry(
  definitions: readonly ChargeModelDefinition[],
): ChargeModelRegistry {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  if (byName.size !== definitions.length) {
    throw new Error('Two charge models share a name');
  }
  return {
    names: definitions.map((definition) => definition.name),
    get: (name) => (typeof name === 'string' ? byName.get(name) : undefined),
  };
}

export const CHARGE_MODEL_REGISTRY = createChargeModelRegistry(CHARGE_MODEL_DEFINITIONS);

export const CHARGE_MODEL_NAMES =
  CHARGE_MODEL_REGISTRY.names as readonly RegisteredCharge['model'][];

/** The production definition of a model name, undefined for an unknown one. */
export function chargeModel(name: RegisteredCharge['model']): ChargeModelDefinition;
export function chargeModel(name: string): ChargeModelDefinition | undefined;
export function chargeModel(name: string): ChargeModelDefinition | undefined {
  return CHARGE_MODEL_REGISTRY.get(name);
}

/** Exact amount of one validated charge at one quantity; nothing here rounds. */
export function priceCharge(
  charge: AnyCharge,
  quantity: Decimal,
  registry: ChargeModelRegistry = CHARGE_MODEL_REGISTRY,
): ChargeAmount {
  const definition = registry.get(charge.model);
  if (!definition) {
    // Unreachable after validatePlan with the same registry.
    throw new InvalidPlanError([
      { field: 'model', message: `must be one of ${registry.names.join(', ')}` },
    ]);
  }
  return definition.price(charge, quantity);
}
