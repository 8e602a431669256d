import { decimalProblem, isKnownCurrency } from '../common/money';
import { MAX_ENDPOINT_LENGTH, isValidEndpointPattern } from './endpoint-matcher';
import { CHARGE_MODELS, type ChargeModel, type PlanDocument } from './plan.types';
import { InvalidPlanError, type PlanProblem } from './pricing.errors';

/** Unit amounts go to 12 decimal places, like Stripe's unit_amount_decimal. */
export const MAX_AMOUNT_DECIMALS = 12;
const MAX_ID_LENGTH = 128;

// Fields each model accepts. Unknown fields on a charge or tier are rejected because a typo such
// as "flat_amount" would otherwise be ignored and silently change what customers pay.
const COMMON_CHARGE_FIELDS = ['id', 'endpoint', 'aggregation', 'model'];
const MODEL_FIELDS: Record<ChargeModel, string[]> = {
  per_unit: ['unitAmount'],
  graduated: ['tiers'],
  volume: ['tiers'],
  package: ['packageSize', 'packageAmount', 'rounding', 'freeUnits'],
  flat: ['amount'],
};
const TIER_FIELDS = ['upTo', 'unitAmount', 'flatAmount'];

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: PlanProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  amount(obj: Obj, key: string, path: string, required = true): void {
    const value = obj[key];
    if (value === undefined && !required) return;
    if (value === undefined) return this.add(`${path}${key}`, 'is required');
    const problem = decimalProblem(value, { maxDecimalPlaces: MAX_AMOUNT_DECIMALS });
    if (problem) this.add(`${path}${key}`, problem);
  }

  text(obj: Obj, key: string, path: string): void {
    const value = obj[key];
    if (typeof value !== 'string' || value.trim().length === 0) {
      this.add(`${path}${key}`, 'must be a non-empty string');
    } else if (value.length > MAX_ID_LENGTH) {
      this.add(`${path}${key}`, `must be at most ${MAX_ID_LENGTH} characters`);
    }
  }

  unknownFields(obj: Obj, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.add(`${path}${key}`, 'is not a known field');
    }
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function validateTiers(tiers: unknown, path: string, problems: Problems): void {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    return problems.add(`${path}tiers`, 'must be a non-empty array');
  }
  let previous = 0;
  tiers.forEach((tier: unknown, index) => {
    const at = `${path}tiers[${index}].`;
    if (!isObject(tier)) return problems.add(`${path}tiers[${index}]`, 'must be an object');
    const last = index === tiers.length - 1;
    const { upTo } = tier;
    if (last && upTo !== null) {
      problems.add(`${at}upTo`, 'must be null on the last tier, so no units are left unpriced');
    } else if (!last && upTo === null) {
      problems.add(`${at}upTo`, 'may be null only on the last tier');
    } else if (upTo !== null && !isPositiveInteger(upTo)) {
      problems.add(`${at}upTo`, 'must be a positive integer or null');
    } else if (upTo !== null && upTo <= previous) {
      problems.add(`${at}upTo`, `must be greater than the previous tier's upTo (${previous})`);
    }
    if (isPositiveInteger(upTo)) previous = Math.max(previous, upTo);
    problems.amount(tier, 'unitAmount', at);
    problems.amount(tier, 'flatAmount', at, false);
    problems.unknownFields(tier, TIER_FIELDS, at);
  });
}

function validateCharge(charge: Obj, path: string, problems: Problems): void {
  problems.text(charge, 'id', path);
  if (!isValidEndpointPattern(charge.endpoint)) {
    problems.add(
      `${path}endpoint`,
      `must be "*", a path starting with "/", or a prefix ending in "/*" (at most ${MAX_ENDPOINT_LENGTH} characters)`,
    );
  }
  if (charge.aggregation !== 'sum' && charge.aggregation !== 'count') {
    problems.add(`${path}aggregation`, 'must be "sum" or "count"');
  }
  const model = charge.model as ChargeModel;
  if (!CHARGE_MODELS.includes(model)) {
    return problems.add(`${path}model`, `must be one of ${CHARGE_MODELS.join(', ')}`);
  }
  problems.unknownFields(charge, [...COMMON_CHARGE_FIELDS, ...MODEL_FIELDS[model]], path);
  switch (model) {
    case 'per_unit':
      return problems.amount(charge, 'unitAmount', path);
    case 'graduated':
    case 'volume':
      return validateTiers(charge.tiers, path, problems);
    case 'flat':
      return problems.amount(charge, 'amount', path);
    case 'package': {
      if (!isPositiveInteger(charge.packageSize)) {
        problems.add(`${path}packageSize`, 'must be a positive integer');
      }
      problems.amount(charge, 'packageAmount', path);
      if (charge.rounding !== 'up' && charge.rounding !== 'down') {
        problems.add(`${path}rounding`, 'must be "up" or "down"');
      }
      const free = charge.freeUnits;
      if (free !== undefined && !(typeof free === 'number' && Number.isFinite(free) && free >= 0)) {
        problems.add(`${path}freeUnits`, 'must be a number greater than or equal to 0');
      }
    }
  }
}

/**
 * Every problem in a plan document, each with the path of the field at fault; empty when the plan
 * can be priced. Takes `unknown` because it is what the API runs on a raw request body.
 */
export function validatePlan(doc: unknown): PlanProblem[] {
  const problems = new Problems();
  if (!isObject(doc)) {
    problems.add('', 'must be an object');
    return problems.list;
  }
  problems.text(doc, 'id', '');
  problems.text(doc, 'name', '');
  if (!isKnownCurrency(doc.currency)) {
    problems.add('currency', 'must be an upper-case ISO 4217 code such as "USD"');
  }
  problems.amount(doc, 'baseFee', '');
  problems.amount(doc, 'minimumCharge', '');
  if (doc.limits !== undefined) {
    if (!isObject(doc.limits)) {
      problems.add('limits', 'must be an object');
    } else {
      const perDay = doc.limits.unitsPerDay;
      if (
        perDay !== undefined &&
        !(typeof perDay === 'number' && Number.isFinite(perDay) && perDay > 0)
      ) {
        problems.add('limits.unitsPerDay', 'must be a positive number');
      }
    }
  }
  if (!Array.isArray(doc.charges)) {
    problems.add('charges', 'must be an array');
    return problems.list;
  }
  const seen = new Set<unknown>();
  doc.charges.forEach((charge: unknown, index) => {
    const path = `charges[${index}].`;
    if (!isObject(charge)) return problems.add(`charges[${index}]`, 'must be an object');
    validateCharge(charge, path, problems);
    if (typeof charge.id === 'string' && seen.has(charge.id)) {
      problems.add(`${path}id`, `duplicates the id of an earlier charge ("${charge.id}")`);
    }
    seen.add(charge.id);
  });
  return problems.list;
}

/** validatePlan for callers that want the typed document or an error listing every problem. */
export function parsePlan(doc: unknown): PlanDocument {
  const problems = validatePlan(doc);
  if (problems.length > 0) throw new InvalidPlanError(problems);
  return doc as PlanDocument;
}
