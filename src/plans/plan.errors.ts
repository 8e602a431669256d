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
