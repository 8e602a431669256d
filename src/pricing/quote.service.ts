import { Injectable } from '@nestjs/common';
import { type FieldProblem, ValidationFailed } from '../common/errors/domain-error';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { jsonDecimalProblem, parseJsonDecimal } from '../common/money';
import { checkPlanDocument, PlansService } from '../plans/plans.service';
import {
  type PriceBreakdownJson,
  priceUsage,
  serializeBreakdown,
  type UsageRow,
} from '../pricing-core';
import { MAX_ENDPOINT_LENGTH } from '../pricing-core';

const QUANTITY_RULES = { maxDecimalPlaces: 6, maxIntegerDigits: 15 };
const MAX_USAGE_ENTRIES = 1000;

export interface QuoteJson extends PriceBreakdownJson {
  planId?: string;
  planVersion?: number;
}

@Injectable()
export class QuoteService {
  constructor(private readonly plans: PlansService) {}

  async quote(body: Record<string, unknown>): Promise<QuoteJson> {
    const problems: FieldProblem[] = [];
    const extra = Object.keys(body).filter((k) => !['planId', 'plan', 'usage'].includes(k));
    for (const key of extra) problems.push({ field: key, messages: [`${key} is not allowed`] });
    const hasId = body.planId !== undefined;
    const hasPlan = body.plan !== undefined;
    if (hasId === hasPlan) {
      problems.push({ field: 'planId', messages: ['give exactly one of planId or plan'] });
    } else if (
      hasId &&
      (typeof body.planId !== 'string' || !RESOURCE_ID_PATTERN.test(body.planId))
    ) {
      problems.push({ field: 'planId', messages: ['planId must be a plan id'] });
    }
    const usage = parseUsageMap(body.usage, problems);
    if (problems.length > 0) throw new ValidationFailed(problems);

    if (hasPlan) {
      const plan = checkPlanDocument(body.plan);
      return serializeBreakdown(priceUsage(plan, usage));
    }
    const version = await this.plans.requireCurrent(body.planId as string);
    return {
      ...serializeBreakdown(priceUsage(version.document, usage)),
      planId: version.planId,
      planVersion: version.version,
    };
  }
}

function parseUsageMap(value: unknown, problems: FieldProblem[]): UsageRow[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ field: 'usage', messages: ['usage must be an object of endpoint → quantity'] });
    return [];
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_USAGE_ENTRIES) {
    problems.push({ field: 'usage', messages: [`at most ${MAX_USAGE_ENTRIES} endpoints`] });
    return [];
  }
  const rows: UsageRow[] = [];
  for (const [endpoint, raw] of entries as [string, unknown][]) {
    const field = `usage[${JSON.stringify(endpoint)}]`;
    if (!endpoint.startsWith('/') || endpoint.length > MAX_ENDPOINT_LENGTH) {
      problems.push({
        field,
        messages: [`endpoint must start with "/" (≤ ${MAX_ENDPOINT_LENGTH})`],
      });
      continue;
    }
    const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
    const quantityInput: unknown = isObject ? (raw as { quantity?: unknown }).quantity : raw;
    // The usage rule for JSON numbers and strings (parseJsonDecimal): -0, null, 1e-7 refused.
    const problem = jsonDecimalProblem(quantityInput, QUANTITY_RULES);
    if (problem) {
      problems.push({ field, messages: [`quantity ${problem}`] });
      continue;
    }
    const quantity = parseJsonDecimal(quantityInput, QUANTITY_RULES).toFixed();
    let events: number;
    if (isObject) {
      const e = (raw as { events?: unknown }).events;
      if (!Number.isSafeInteger(e) || (e as number) < 0) {
        problems.push({
          field: `${field}.events`,
          messages: ['events must be a whole number ≥ 0'],
        });
        continue;
      }
      events = e as number;
    } else {
      // A bare quantity reads as that many events of quantity 1 (the default per event).
      events = /^\d+$/.test(quantity) ? Number(quantity) : 1;
      if (!Number.isSafeInteger(events)) events = Number.MAX_SAFE_INTEGER;
    }
    rows.push({ endpoint, quantity, events });
  }
  return rows;
}
