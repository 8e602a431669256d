import { isKnownCurrency } from '../common/money';
import { CHARGE_MODEL_REGISTRY, type ChargeModelRegistry } from './charge-model-registry';
import { MAX_ENDPOINT_LENGTH, isValidEndpointPattern } from './endpoint-matcher';
import { PlanProblems, isObject, type PlanObject } from './plan-problems';
import type { PlanDocument } from './plan.types';
import { InvalidPlanError, type PlanProblem } from './pricing.errors';

export { MAX_AMOUNT_DECIMALS } from './plan-problems';

const COMMON_CHARGE_FIELDS = ['id', 'endpoint', 'aggregation', 'model'];

function validateCharge(
  charge: PlanObject,
  path: string,
  problems: PlanProblems,
  registry: ChargeModelRegistry,
): void {
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
  const model = registry.get(charge.model);
  if (!model) {
    return problems.add(`${path}model`, `must be one of ${registry.names.join(', ')}`);
  }
  problems.unknownFields(charge, [...COMMON_CHARGE_FIELDS, ...Object.keys(model.fields)], path);
  model.validate(charge, path, problems);
}

/**
 * Every problem in a plan document, each with the path of the field at fault; empty when the plan
 * can be priced. Takes `unknown` because it is what the API runs on a raw request body. Charges
 * are checked by their model's definition in `registry` (the production models by default).
 */
export function validatePlan(
  doc: unknown,
  registry: ChargeModelRegistry = CHARGE_MODEL_REGISTRY,
): PlanProblem[] {
  const problems = new PlanProblems();
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
    validateCharge(charge, path, problems, registry);
    if (typeof charge.id === 'string' && seen.has(charge.id)) {
      problems.add(`${path}id`, `duplicates the id of an earlier charge ("${charge.id}")`);
    }
    seen.add(charge.id);
  });
  return problems.list;
}

/** validatePlan for callers that want the typed document or an error listing every problem. */
export function parsePlan(
  doc: unknown,
  registry: ChargeModelRegistry = CHARGE_MODEL_REGISTRY,
): PlanDocument {
  const problems = validatePlan(doc, registry);
  if (problems.length > 0) throw new InvalidPlanError(problems);
  return doc as PlanDocument;
}
