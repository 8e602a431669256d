import { DomainError } from '../common/errors/domain-error';

export class CustomerNotFound extends DomainError {
  constructor(customerId: string) {
    super('CUSTOMER_NOT_FOUND', 'not_found', `Customer ${customerId} not found`);
  }
}

export class CustomerAlreadyExists extends DomainError {
  constructor(customerId: string) {
    super('CUSTOMER_EXISTS', 'conflict', `Customer ${customerId} already exists`);
  }
}

export class CustomerArchived extends DomainError {
  constructor(customerId: string) {
    super('CUSTOMER_ARCHIVED', 'conflict', `Customer ${customerId} is archived`);
  }
}

export class CurrencyMismatch extends DomainError {
  constructor(currency: string, planId: string, planCurrency: string) {
    super(
      'CURRENCY_MISMATCH',
      'unprocessable',
      `Currency ${currency} does not match plan ${planId}, which bills in ${planCurrency}`,
      { currency, planId, planCurrency },
    );
  }
}

/** Lost an optimistic-concurrency race more times than is reasonable. */
export class CustomerWriteConflict extends DomainError {
  constructor(customerId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `Customer ${customerId} changed concurrently; retry`,
    );
  }
}
