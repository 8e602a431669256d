import { DomainError } from '../common/errors/domain-error';

export class PlanNotFound extends DomainError {
  constructor(planId: string, version?: number) {
    super(
      'PLAN_NOT_FOUND',
      'not_found',
      version === undefined
        ? `Plan ${planId} not found`
        : `Plan ${planId} has no version ${version}`,
    );
  }
}

/** A plan named by another resource (a customer) that does not exist: the request is well-formed. */
export class UnknownPlan extends DomainError {
  constructor(planId: string) {
    super('UNKNOWN_PLAN', 'unprocessable', `Plan ${planId} does not exist`, { planId });
  }
}

export class PlanAlreadyExists extends DomainError {
  constructor(planId: string) {
    super(
      'PLAN_EXISTS',
      'conflict',
      `Plan ${planId} already exists; PUT /v1/plans/${planId} adds a version`,
    );
  }
}

/** Customers' currency must match their plan's, so a plan keeps its currency for life. */
export class PlanCurrencyChange extends DomainError {
  constructor(planId: string, from: string, to: string) {
    super(
      'PLAN_CURRENCY_CHANGE',
      'unprocessable',
      `Plan ${planId} bills in ${from}; a new version cannot switch to ${to} (create a new plan instead)`,
      { planId, currency: from, requested: to },
    );
  }
}

export class PlanVersionConflict extends DomainError {
  constructor(planId: string) {
    super('CONCURRENT_MODIFICATION', 'conflict', `Plan ${planId} changed concurrently; retry`);
  }
}
