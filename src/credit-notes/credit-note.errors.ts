import { DomainError } from '../common/errors/domain-error';

export class CreditNoteNotFound extends DomainError {
  constructor(creditNoteId: string) {
    super('CREDIT_NOTE_NOT_FOUND', 'not_found', `Credit note ${creditNoteId} not found`);
  }
}

/** The creditNoteId was used before for a different note. */
export class CreditNoteConflict extends DomainError {
  constructor(creditNoteId: string, differs: string[]) {
    super(
      'CREDIT_NOTE_CONFLICT',
      'conflict',
      `Credit note ${creditNoteId} exists with a different ${differs.join(', ')}; use a new creditNoteId for a different note`,
      { creditNoteId, differs },
    );
  }
}

/**
 * How a note's total is given back does not fit the invoice: on an invoice still owed it only
 * reduces what is due (no refund, no credit); on a paid one refund + credit must be the total.
 */
export class CreditNoteAmountsInvalid extends DomainError {
  constructor(message: string, details: Record<string, unknown>) {
    super('CREDIT_NOTE_AMOUNTS_INVALID', 'unprocessable', message, details);
  }
}

/** More would be refunded than the invoice's payment holds (less what notes refund already). */
export class CreditNoteExceedsPayment extends DomainError {
  constructor(invoiceId: string, details: { refundable: string; requested: string }) {
    super(
      'CREDIT_NOTE_EXCEEDS_PAYMENT',
      'unprocessable',
      `Invoice ${invoiceId} has ${details.refundable} left to refund; a refund of ${details.requested} is too much (give the rest as credit)`,
      details,
    );
  }
}

export type NotVoidableReason = 'refunded' | 'refund_pending' | 'credit_spent';

/** A note whose money already moved (refunded, or its credit spent) cannot be voided. */
export class CreditNoteNotVoidable extends DomainError {
  constructor(creditNoteId: string, reason: NotVoidableReason, detail: string) {
    super(
      'CREDIT_NOTE_NOT_VOIDABLE',
      'conflict',
      `Credit note ${creditNoteId} cannot be voided: ${detail}`,
      { reason },
    );
  }
}

/** Lost the race for the invoice (or the customer's credit ledger) more times than reasonable. */
export class CreditNoteWriteConflict extends DomainError {
  constructor(invoiceId: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `Invoice ${invoiceId} or its credit notes changed concurrently; retry`,
    );
  }
}
