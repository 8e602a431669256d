import { DomainError } from '../common/errors/domain-error';
import type { InvoiceStatus } from './invoice.model';

export class InvoiceNotFound extends DomainError {
  constructor(invoiceId: string) {
    super('INVOICE_NOT_FOUND', 'not_found', `Invoice ${invoiceId} not found`);
  }
}

export class InvalidInvoiceTransition extends DomainError {
  constructor(invoiceId: string, from: InvoiceStatus, to: InvoiceStatus) {
    super(
      'INVALID_INVOICE_TRANSITION',
      'conflict',
      `Invoice ${invoiceId} is ${from}; it cannot become ${to}`,
      { from, to },
    );
  }
}

export class PeriodNotEnded extends DomainError {
  constructor(period: string) {
    super(
      'PERIOD_NOT_ENDED',
      'unprocessable',
      `Period ${period} has not ended; it cannot be finalized yet`,
    );
  }
}

export class PeriodNotStarted extends DomainError {
  constructor(period: string) {
    super('PERIOD_NOT_STARTED', 'unprocessable', `Period ${period} has not started`);
  }
}

export class InvoiceWriteConflict extends DomainError {
  constructor(invoiceId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `Invoice ${invoiceId} changed concurrently; retry`,
    );
  }
}
