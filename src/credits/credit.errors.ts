import { DomainError } from '../common/errors/domain-error';

export class CreditGrantNotFound extends DomainError {
  constructor(customerId: string, grantId: string) {
    super(
      'CREDIT_GRANT_NOT_FOUND',
      'not_found',
      `Credit grant ${grantId} of customer ${customerId} not found`,
    );
  }
}

/** The grantId was used before for a different grant. */
export class CreditGrantConflict extends DomainError {
  constructor(customerId: string, grantId: string, fields: string[]) {
    super(
      'CREDIT_GRANT_CONFLICT',
      'conflict',
      `Credit grant ${grantId} of customer ${customerId} exists with a different ${fields.join(', ')}; use a new grantId for a different grant`,
      { grantId, differs: fields },
    );
  }
}

/** Lost the race for the customer's ledger more times than is reasonable. */
export class CreditLedgerConflict extends DomainError {
  constructor(customerId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `The credit ledger of customer ${customerId} changed concurrently; retry`,
    );
  }
}

/** Credit-note grants are voided with their credit note, by its rules (unspent credit only). */
export class CreditGrantOfCreditNote extends DomainError {
  constructor(customerId: string, grantId: string) {
    super(
      'CREDIT_GRANT_OF_CREDIT_NOTE',
      'conflict',
      `Credit grant ${grantId} of customer ${customerId} is a credit note's credit; void the credit note instead`,
      { grantId },
    );
  }
}
