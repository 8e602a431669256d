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

/** Credit notes are for finalized invoices that are still owed or were paid; a draft is edited. */
export class InvoiceNotCreditable extends DomainError {
  constructor(invoiceId: string, status: InvoiceStatus) {
    super(
      'INVOICE_NOT_CREDITABLE',
      'conflict',
      status === 'draft'
        ? `Invoice ${invoiceId} is a draft; refresh or edit it instead of crediting it`
        : `Invoice ${invoiceId} is ${status}; only open, paid or uncollectible invoices can be credited`,
      { status },
    );
  }
}

/** A credit line names no creditable line of the invoice (credit lines cannot be credited). */
export class UnknownInvoiceLine extends DomainError {
  constructor(invoiceId: string, lineId: string) {
    super(
      'UNKNOWN_INVOICE_LINE',
      'unprocessable',
      `Invoice ${invoiceId} has no creditable line ${lineId}`,
      { lineId },
    );
  }
}

/** What credit notes take off one line never exceeds the line. */
export class CreditExceedsLine extends DomainError {
  constructor(
    invoiceId: string,
    details: { lineId: string; lineAmount: string; credited: string; requested: string },
  ) {
    super(
      'CREDIT_NOTE_EXCEEDS_LINE',
      'unprocessable',
      `Line ${details.lineId} of invoice ${invoiceId} is ${details.lineAmount}, ${details.credited} of it credited already; ${details.requested} more is too much`,
      details,
    );
  }
}

/** What credit notes take off an invoice never exceeds its total. */
export class CreditExceedsInvoice extends DomainError {
  constructor(
    invoiceId: string,
    details: { total: string; creditedTotal: string; requested: string },
  ) {
    super(
      'CREDIT_NOTE_EXCEEDS_INVOICE',
      'unprocessable',
      `Invoice ${invoiceId} totals ${details.total}, ${details.creditedTotal} of it credited already; ${details.requested} more is too much`,
      details,
    );
  }
}

/** On an invoice still owed, a credit note reduces what is due, never below zero. */
export class CreditExceedsAmountDue extends DomainError {
  constructor(invoiceId: string, details: { amountDue: string; requested: string }) {
    super(
      'CREDIT_NOTE_EXCEEDS_AMOUNT_DUE',
      'unprocessable',
      `Invoice ${invoiceId} has ${details.amountDue} still due; a credit note of ${details.requested} would take it below zero`,
      details,
    );
  }
}

/**
 * A credit note that reduced what was due cannot be taken back once the invoice was paid: the
 * payment settled the reduced amount.
 */
export class InvoiceCreditNotReversible extends DomainError {
  constructor(invoiceId: string, creditNoteId: string, status: InvoiceStatus) {
    super(
      'CREDIT_NOTE_NOT_VOIDABLE',
      'conflict',
      `Credit note ${creditNoteId} reduced what invoice ${invoiceId} asked for, and the invoice is ${status} now; it cannot be voided`,
      { reason: 'invoice_settled', invoiceStatus: status },
    );
  }
}

/** Payments are recorded on finalized invoices still owed (open, uncollectible). */
export class InvoiceNotPayable extends DomainError {
  constructor(invoiceId: string, status: InvoiceStatus) {
    super(
      'INVOICE_NOT_PAYABLE',
      'conflict',
      `Invoice ${invoiceId} is ${status}; payments are recorded on open or uncollectible invoices only`,
      { status },
    );
  }
}

/** A payment never takes what was paid beyond what the invoice asks for. */
export class Overpayment extends DomainError {
  constructor(
    invoiceId: string,
    details: { amountDue: string; amountPaid: string; remaining: string; requested: string },
  ) {
    super(
      'OVERPAYMENT',
      'unprocessable',
      `Invoice ${invoiceId} has ${details.remaining} still due; a payment of ${details.requested} is too much`,
      details,
    );
  }
}

/** The same `paymentId` again with a different payment. */
export class PaymentConflict extends DomainError {
  constructor(invoiceId: string, paymentId: string, differs: string[]) {
    super(
      'PAYMENT_CONFLICT',
      'conflict',
      `Payment ${paymentId} of invoice ${invoiceId} exists with a different ${differs.join(', ')}; use a new paymentId for a different payment`,
      { paymentId, differs },
    );
  }
}
