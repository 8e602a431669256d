export type {
  Aggregation,
  ChargeBase,
  ChargeDefinition,
  ChargeModel,
  LineBreakdown,
  PlanDocument,
  PriceBreakdown,
  PriceOptions,
  Tier,
  TierBreakdown,
  UsageRow,
} from './plan.types';
export type { FlatCharge } from './charge-models/flat';
export type { GraduatedCharge } from './charge-models/graduated';
export type { PackageCharge } from './charge-models/package';
export type { PerUnitCharge } from './charge-models/per-unit';
export type { TieredCharge } from './charge-models/tiers';
export type { VolumeCharge } from './charge-models/volume';
export type {
  ChargeAmount,
  ChargeModelDefinition,
  ChargeModelField,
} from './charge-models/charge-model';
export {
  CHARGE_MODEL_NAMES,
  chargeModel,
  createChargeModelRegistry,
  type ChargeModelRegistry,
} from './charge-model-registry';
export { isValidEndpointPattern, matchesEndpoint, MAX_ENDPOINT_LENGTH } from './endpoint-matcher';
export { priceUsage } from './price-usage';
export { MAX_AMOUNT_DECIMALS, parsePlan, validatePlan } from './validate-plan';
export {
  serializeBreakdown,
  type LineBreakdownJson,
  type PriceBreakdownJson,
  type TierBreakdownJson,
} from './breakdown.serializer';
export { InvalidPlanError, InvalidPricingInputError, type PlanProblem } from './pricing.errors';
