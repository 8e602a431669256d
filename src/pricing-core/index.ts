export type {
  Aggregation,
  ChargeDefinition,
  ChargeModel,
  FlatCharge,
  LineBreakdown,
  PackageCharge,
  PerUnitCharge,
  PlanDocument,
  PriceBreakdown,
  PriceOptions,
  Tier,
  TierBreakdown,
  TieredCharge,
  UsageRow,
} from './plan.types';
export { CHARGE_MODELS } from './plan.types';
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
