import { DomainError } from '../common/errors/domain-error';

export class AlertNotFound extends DomainError {
  constructor(customerId: string, alertId: string) {
    super('ALERT_NOT_FOUND', 'not_found', `Alert ${alertId} of customer ${customerId} not found`);
  }
}

/** The alertId was used before for a different alert. */
export class AlertConflict extends DomainError {
  constructor(customerId: string, alertId: string, fields: string[]) {
    super(
      'ALERT_CONFLICT',
      'conflict',
      `Alert ${alertId} of customer ${customerId} exists with a different ${fields.join(', ')}; use a new alertId for a different alert`,
      { alertId, differs: fields },
    );
  }
}
