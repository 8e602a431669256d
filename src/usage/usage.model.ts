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
