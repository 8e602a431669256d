import {
  Dec,
  ZERO,
  maxDecimal,
  parseDecimal,
  roundToMinor,
  sumDecimals,
  type Decimal,
} from '../common/money';
import { CHARGE_MODEL_REGISTRY, priceCharge } from './charge-model-registry';
import { matchesEndpoint } from './endpoint-matcher';
import { InvalidPlanError, InvalidPricingInputError } from './pricing.errors';
import type {
  ChargeDefinition,
  LineBreakdown,
  PlanDocument,
  PriceBreakdown,
  PriceOptions,
  UsageRow,
} from './plan.types';
import { validatePlan } from './validate-plan';

interface ParsedUsage {
  endpoint: string;
  quantity: Decimal;
  events: Decimal;
}

function parseUsage(usage: readonly UsageRow[]): ParsedUsage[] {
  return usage.map((row, index) => {
    const events = row.events;
    if (!Number.isSafeInteger(events) || events < 0) {
      throw new InvalidPricingInputError(
        `usage[${index}].events`,
        'must be a non-negative integer',
      );
    }
    let quantity: Decimal;
    try {
      quantity = parseDecimal(row.quantity);
    } catch {
      throw new InvalidPricingInputError(
        `usage[${index}].quantity`,
        'must be a non-negative decimal string',
      );
    }
    return { endpoint: row.endpoint, quantity, events: new Dec(events) };
  });
}

/** A usage row feeds every charge whose pattern matches it, so "*" and "/api/*" can overlap. */
function chargeQuantity(charge: ChargeDefinition, usage: readonly ParsedUsage[]): Decimal {
  const matching = usage.filter((row) => matchesEndpoint(charge.endpoint, row.endpoint));
  return sumDecimals(
    matching.map((row) => (charge.aggregation === 'count' ? row.events : row.quantity)),
  );
}

function baseFeeFactor(options: PriceOptions): Decimal {
  const factor = options.baseFeeFactor ?? new Dec(1);
  if (!factor.isFinite() || factor.isNegative() || factor.greaterThan(1)) {
    throw new InvalidPricingInputError('baseFeeFactor', 'must be between 0 and 1');
  }
  return factor;
}

/**
 * Prices one plan over usage aggregated per endpoint (DESIGN §5, Stripe semantics).
 *
 * Rounding: every line is computed exactly and rounded once, half-up, to the currency's minor
 * unit; the prorated base fee is rounded the same way; subtotal and total are sums of those
 * rounded values, so the invoice adds up line by line. Tier amounts stay exact here (the
 * serializer rounds them for display only, so they may not add up to the line by a minor unit).
 *
 * Throws InvalidPlanError for a plan validatePlan rejects: pricing a plan whose last tier is
 * bounded would leave units free, the defect of the library this replaces.
 */
export function priceUsage(
  plan: PlanDocument,
  usage: readonly UsageRow[],
  options: PriceOptions = {},
): PriceBreakdown {
  const registry = options.chargeModels ?? CHARGE_MODEL_REGISTRY;
  const problems = validatePlan(plan, registry);
  if (problems.length > 0) throw new InvalidPlanError(problems);
  const factor = baseFeeFactor(options);
  const parsed = parseUsage(usage);
  const { currency } = plan;

  const lines: LineBreakdown[] = plan.charges.map((charge) => {
    const quantity = chargeQuantity(charge, parsed);
    const { amount, tiers } = priceCharge(charge, quantity, registry);
    return {
      chargeId: charge.id,
      endpoint: charge.endpoint,
      model: charge.model,
      quantity,
      exactAmount: amount,
      amount: roundToMinor(amount, currency),
      tiers,
    };
  });

  const baseFee = roundToMinor(new Dec(plan.baseFee).times(factor), currency);
  const subtotal = sumDecimals(lines.map((line) => line.amount)).plus(baseFee);
  const minimum = roundToMinor(new Dec(plan.minimumCharge), currency);
  const minimumTopUp = maxDecimal(ZERO, minimum.minus(subtotal));
  return {
    currency,
    total: subtotal.plus(minimumTopUp),
    subtotal,
    baseFee,
    minimumTopUp,
    lines,
  };
}
