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
}

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestError {
  code: string;
  message: string;
  /** For USAGE_LIMIT_EXCEEDED: when the limit resets. */
  retryAfterSeconds?: number;
  field?: string;
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
