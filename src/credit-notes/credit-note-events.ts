import type { CreditNoteEventData, RefundEventData } from '../events';
import type { CreditNote } from './credit-note.model';

/** The payload of `billing.credit_note.created` / `.voided`. */
export function creditNoteEventData(note: CreditNote): CreditNoteEventData {
  return {
    creditNoteId: note.id,
    number: note.number,
    invoiceId: note.invoiceId,
    invoiceNumber: note.invoiceNumber,
    type: note.type,
    status: note.status,
    reason: note.reason,
    currency: note.currency,
    total: note.total,
    refund: note.refund.amount,
    credit: note.credit.amount,
    grantId: note.credit.grantId,
    refundStatus: note.refund.status,
  };
}

/** The payload of `billing.refund.processed`, for a note whose refund came to an end. */
export function refundProcessedData(note: CreditNote): RefundEventData {
  return {
    creditNoteId: note.id,
    number: note.number,
    invoiceId: note.invoiceId,
    currency: note.currency,
    amount: note.refund.amount,
    status: note.refund.status === 'failed' ? 'failed' : 'succeeded',
    provider: note.provider?.name ?? null,
    providerRefundIds: note.refund.refunds.map((r) => r.refundId),
    failureReason: note.refund.failureReason,
  };
}
