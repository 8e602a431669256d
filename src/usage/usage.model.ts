import type { ErrorKind } from '../common/errors/domain-error';

/** A usage event as validated and normalised at ingest; quantity is an exact decimal string. */
export interface UsageEvent {
  customerId: string;
  eventId: string;
  endpoint: string;
  quantity: string;
  /** ISO-8601 UTC with milliseconds. */
  timestamp: string;
  /** `YYYY-MM-DD` (UTC) of the timestamp. */
  day: string;
  /** `YYYY-MM` (UTC) of the timestamp. */
  period: string;
  /**
   * Whether the client gave the timestamp (else it is the server's time of arrival). Only a
   * client's timestamp is part of the event's identity: a retry without one is the same event.
   */
  timestampGiven: boolean;
}

/** What a stored event says about itself, to tell a replay of it from a reused eventId. */
export type StoredEventPayload = Pick<
  UsageEvent,
  'endpoint' | 'quantity' | 'timestamp' | 'timestampGiven'
>;

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestError {
  code: string;
  message: string;
  /** For USAGE_LIMIT_EXCEEDED: when the limit resets. */
  retryAfterSeconds?: number;
  field?: string;
  /** Set by usage gates (e.g. `payment_required` for INSUFFICIENT_CREDIT); else from the code. */
  kind?: ErrorKind;
}

export interface IngestOutcome {
  eventId: string;
  status: IngestStatus;
  error?: IngestError;
}

/** Usage of one customer, totalled per endpoint and per UTC day. */
export interface UsageTotals {
  quantity: string;
  events: number;
}

/** One customer-day of usage: its total and its totals per endpoint. */
export interface DayRecord {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  total: UsageTotals;
  endpoints: Map<string, UsageTotals>;
}

/** How a recorded event was corrected: removed entirely, or given another quantity. */
export type UsageCorrectionType = 'void' | 'amend';

/**
 * One correction of a recorded event, as stored (the event itself is never rewritten): what its
 * quantity was before and became, the change the totals took, and who made it and why.
 */
export interface UsageCorrection {
  /** 1, 2, 3… per event: the event's `correctionSeq` after this correction. */
  seq: number;
  type: UsageCorrectionType;
  /** Decimal strings: the effective quantity before and after ("0" after a void). */
  previousQuantity: string;
  quantity: string;
  /** `quantity − previousQuantity`: what the day and endpoint totals changed by. */
  delta: string;
  reason: string;
  at: string;
  actor: { type: string; name: string };
  requestId?: string;
  /** Whether the event's period was invoiced (closed) then: the correction is an adjustment. */
  periodClosed: boolean;
}

/** A recorded event with its corrections applied. */
export interface RecordedUsageEvent {
  customerId: string;
  eventId: string;
  endpoint: string;
  timestamp: string;
  ingestedAt: string;
  /** Decimal string: the quantity as recorded at ingest (also the event's identity for replays). */
  originalQuantity: string;
  /** Decimal string: what the event counts for now ("0" once voided). */
  quantity: string;
  voided: boolean;
  /** How many corrections the event has had (0 for none). */
  correctionSeq: number;
}

/** A customer's invoiced period whose usage was corrected after its invoice (see UsageCorrections). */
export interface PeriodAdjustment {
  /** `YYYY-MM`. */
  period: string;
  /** Counts the corrections of the period's usage: 1, 2, 3… */
  version: number;
}
