import type { ProviderRefundStatus } from '../stripe';

/** Stripe's reasons, and `other` (sent to Stripe without a reason). */
export const CREDIT_NOTE_REASONS = [
  'duplicate',
  'fraudulent',
  'order_change',
  'product_unsatisfactory',
  'other',
] as const;
export type CreditNoteReason = (typeof CREDIT_NOTE_REASONS)[number];

export type CreditNoteStatus = 'issued' | 'void';

/**
 * Stripe's split: a `pre_payment` note was issued while the invoice was still owed and reduced
 * what it asks for; a `post_payment` note was issued on a paid invoice and gives the money back
 * as a refund and/or a credit grant.
 */
export type CreditNoteType = 'pre_payment' | 'post_payment';

/** `none`: nothing to refund; `pending` until the provider says it moved the money. */
export const REFUND_STATUSES = ['none', 'pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/**
 * The note's mirror at the payment provider: `pending` (to be created there, retried until it
 * is), `pushed`, `rejected` (the provider refused it for good: `error` says why), then after our
 * void `void_pending`, `voided` or `void_rejected`.
 */
export const PROVIDER_SYNC_STATUSES = [
  'pending',
  'pushed',
  'rejected',
  'void_pending',
  'voided',
  'void_rejected',
] as const;
export type ProviderSyncStatus = (typeof PROVIDER_SYNC_STATUSES)[number];

/** The id of the one line of a note given as one `amount` instead of per invoice line. */
export const ADJUSTMENT_LINE_ID = 'adjustment';

export interface CreditNoteLine {
  /** The invoice line credited, or `adjustment` for a note of one amount. */
  lineId: string;
  description: string;
  /** Decimal string in major units, > 0. */
  amount: string;
}

/** What the provider last reported about one refund, as decided by `nextRefundReport`. */
export interface RefundReport {
  status: ProviderRefundStatus | null;
  /** Epoch seconds, the provider's clock: when it reported that status. */
  at: number | null;
  failureReason: string | null;
}

export interface NoteRefund extends RefundReport {
  refundId: string;
}

export interface CreditNoteRefund {
  /** Decimal string: what goes back to the customer's payment method. */
  amount: string;
  status: RefundStatus;
  /** The provider's refunds (Stripe makes one per credit note); empty without a provider. */
  refunds: NoteRefund[];
  failureReason: string | null;
  /** When it reached `succeeded` or `failed` (ISO). */
  processedAt: string | null;
}

export interface CreditNoteProvider {
  /** `stripe` */
  name: string;
  status: ProviderSyncStatus;
  providerInvoiceId: string;
  /** Decimal string: the part mirrored there (prepaid credits never reached the provider). */
  amount: string;
  providerCreditNoteId: string | null;
  number: string | null;
  error: string | null;
}

export interface CreditNote {
  /** The client's `creditNoteId` (idempotency key), or `cn_<uuid>`. */
  id: string;
  /** `CN-<YYYYMM>-<6-digit sequence>`, by the month it was issued in. */
  number: string;
  customerId: string;
  invoiceId: string;
  invoiceNumber: string;
  /** The invoice's period. */
  period: string;
  currency: string;
  status: CreditNoteStatus;
  type: CreditNoteType;
  reason: CreditNoteReason;
  memo: string | null;
  /** Per invoice line, or one `amount` (one `adjustment` line). */
  mode: 'lines' | 'amount';
  lines: CreditNoteLine[];
  /** Decimal string: Σ lines. */
  total: string;
  refund: CreditNoteRefund;
  /** The credit part: a `credit_note` credit grant (`cn_<id>`) that pays future invoices. */
  credit: { amount: string; grantId: string | null };
  /** Null when the invoice has no provider invoice (or no provider is configured). */
  provider: CreditNoteProvider | null;
  createdAt: string;
  updatedAt: string;
  voidedAt: string | null;
  voidReason: string | null;
  revision: number;
}

/**
 * One invoice's credit notes (`INVOICE_CREDIT_NOTES#<invoiceId>`), in issue order: how they are
 * listed, and what the caps over them (refunds within the payment) are read from. Written in
 * every issue and void transaction, conditioned on its revision, so two notes of one invoice are
 * decided one after the other.
 */
export interface InvoiceCreditNotes {
  invoiceId: string;
  customerId: string;
  creditNoteIds: string[];
  revision: number;
}

/**
 * One provider refund as we know it (`CREDIT_NOTE_REFUND#<provider>#<refundId>`): the status its
 * reports decided and, once known, our credit note. Reports can arrive before we know whose
 * refund it is (a webhook before our push's answer was stored); they are kept here and folded
 * into the note when the link is made.
 */
export interface RefundLink extends RefundReport {
  provider: string;
  refundId: string;
  creditNoteId: string | null;
  revision: number;
}

/** The grant holding a note's credit part. Note ids are ≤ 60 characters, so this is ≤ 63. */
export const creditGrantIdFor = (creditNoteId: string): string => `cn_${creditNoteId}`;

const RANK: Record<ProviderRefundStatus, number> = { pending: 0, succeeded: 1, failed: 1 };

/**
 * The report after `seen`, or undefined when it changes nothing. Forward only and order-free:
 * pending → succeeded | failed; a pending report after an end is ignored; between the two ends
 * the later report (provider time) wins, and at the same second `failed` does, since a refund
 * that succeeded can still fail later (a closed card) but never the other way.
 */
export function nextRefundReport(
  current: RefundReport | undefined,
  seen: RefundReport,
): RefundReport | undefined {
  if (seen.status === null) return undefined;
  if (!current || current.status === null) return seen;
  const ahead = RANK[seen.status] - RANK[current.status];
  if (ahead < 0) return undefined;
  if (ahead > 0) return seen;
  if (seen.status === current.status) return undefined;
  if (seen.status === 'pending') return undefined;
  const seenAt = seen.at ?? 0;
  const currentAt = current.at ?? 0;
  if (seenAt > currentAt || (seenAt === currentAt && seen.status === 'failed')) return seen;
  return undefined;
}

/** A note's refund status from its provider refunds: all succeeded, any failed, else pending. */
export function refundStatusOf(refunds: readonly NoteRefund[]): RefundStatus {
  if (refunds.some((r) => r.status === 'failed')) return 'failed';
  if (refunds.length > 0 && refunds.every((r) => r.status === 'succeeded')) return 'succeeded';
  return 'pending';
}

/**
 * The note with `report` about one of its provider refunds folded in, or undefined when that
 * changes nothing (a duplicate, or a report `nextRefundReport` drops). Only a note whose refund
 * went to the provider has provider refunds.
 */
export function withRefundReport(
  note: CreditNote,
  refundId: string,
  report: RefundReport,
  at: string,
): CreditNote | undefined {
  if (note.refund.status === 'none') return undefined;
  const refunds = [...note.refund.refunds];
  const index = refunds.findIndex((r) => r.refundId === refundId);
  const current = index >= 0 ? refunds[index] : undefined;
  const next = current ? nextRefundReport(current, report) : report;
  if (!next && current) return undefined;
  const { status, at: reportedAt, failureReason } = next ?? report;
  const entry: NoteRefund = { refundId, status, at: reportedAt, failureReason };
  if (index >= 0) refunds[index] = entry;
  else refunds.push(entry);
  const overall = refundStatusOf(refunds);
  const ended = overall === 'succeeded' || overall === 'failed';
  const failed = refunds.find((r) => r.status === 'failed');
  return {
    ...note,
    refund: {
      ...note.refund,
      refunds,
      status: overall,
      failureReason: failed ? (failed.failureReason ?? 'failed') : null,
      processedAt: ended ? (overall === note.refund.status ? note.refund.processedAt : at) : null,
    },
  };
}

/** What the audit trail keeps of a note. */
export function creditNoteSummary(note: CreditNote) {
  return {
    number: note.number,
    invoiceId: note.invoiceId,
    status: note.status,
    type: note.type,
    reason: note.reason,
    currency: note.currency,
    total: note.total,
    lines: note.lines.map((l) => ({ lineId: l.lineId, amount: l.amount })),
    refund: { amount: note.refund.amount, status: note.refund.status },
    credit: note.credit,
    provider: note.provider && {
      status: note.provider.status,
      providerCreditNoteId: note.provider.providerCreditNoteId,
      amount: note.provider.amount,
    },
    voidedAt: note.voidedAt,
  };
}
