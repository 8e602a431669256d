import { DomainError } from '../../common/errors/domain-error';

export class BillingRunNotFound extends DomainError {
  constructor(period: string) {
    super('BILLING_RUN_NOT_FOUND', 'not_found', `No billing run for period ${period}`);
  }
}

/** This instance is stopping and takes no new passes; another instance (or a retry) will. */
export class BillingRunsShuttingDown extends DomainError {
  constructor() {
    super(
      'SHUTTING_DOWN',
      'unavailable',
      'This instance is shutting down; retry the request',
      undefined,
      1,
    );
  }
}
