import { DomainError } from '../common/errors/domain-error';

export class BillingThresholdsNotFound extends DomainError {
  constructor(customerId: string) {
    super(
      'BILLING_THRESHOLDS_NOT_FOUND',
      'not_found',
      `Customer ${customerId} has no billing thresholds`,
    );
  }
}
