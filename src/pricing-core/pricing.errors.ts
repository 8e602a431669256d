import { DomainError } from '../common/errors/domain-error';

export interface PlanProblem {
  /** Path into the plan document, e.g. "charges[1].tiers[2].upTo". */
  field: string;
  message: string;
}

/**
 * A plan document that validatePlan rejects. `details.fields` lists every bad field in the same
 * shape as request validation errors (`[{ field, messages }]`).
 */
export class InvalidPlanError extends DomainError {
  constructor(readonly problems: PlanProblem[]) {
    super('INVALID_PLAN', 'invalid', 'The plan document is invalid', {
      fields: problems.map((p) => ({ field: p.field, messages: [p.message] })),
    });
  }
}

/** Usage rows or options that the pricing engine cannot price (negative, non-integer events...). */
export class InvalidPricingInputError extends DomainError {
  constructor(field: string, message: string) {
    super('INVALID_PRICING_INPUT', 'invalid', `${field}: ${message}`, { field });
  }
}
