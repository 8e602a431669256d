/**
 * A billing run closes one period: every customer's invoice for it is created and finalized.
 * A run is made of passes; each pass walks all customers once and skips those already invoiced,
 * so a pass after a crash or after failures only does what is left.
 */
export type BillingRunStatus = 'running' | 'completed' | 'completed_with_failures';

/** What started a pass: the monthly schedule, the API, or the sweep resuming/retrying a run. */
export type BillingRunTrigger = 'schedule' | 'api' | 'resume' | 'retry';

export type CustomerRunStatus = 'invoiced' | 'failed' | 'skipped';

export interface BillingRunCounts {
  customers: number;
  invoiced: number;
  failed: number;
  skipped: number;
}

export interface BillingRunFailure {
  customerId: string;
  code: string;
  message: string;
  /** Passes that tried this customer, this one included. */
  attempts: number;
}

/** The run's summary item, which also carries the lease of the pass in progress. */
export interface BillingRun {
  period: string;
  status: BillingRunStatus;
  trigger: BillingRunTrigger;
  passes: number;
  /** Start and end of the latest pass (ISO-8601, business clock). */
  startedAt: string;
  finishedAt?: string;
  counts: BillingRunCounts;
  /** The first failures by customer id (at most MAX_REPORTED_FAILURES); `counts.failed` has all. */
  failures: BillingRunFailure[];
  /** When `billing.period.closed` was written to the outbox (once per period). */
  periodClosedAt?: string;
  /** Instance holding the lease, while a pass is in progress. */
  leaseOwner?: string;
  /** Epoch ms (wall clock) until which the lease holds; renewed while the pass works. */
  leaseUntil?: number;
  updatedAt: string;
}

/** Per customer and period: what the last pass that tried this customer achieved. */
export interface CustomerRunProgress {
  customerId: string;
  status: CustomerRunStatus;
  attempts: number;
  invoiceId?: string;
  error?: { code: string; message: string };
  /** Why the customer was skipped (`archived`). */
  reason?: string;
  updatedAt: string;
}

export const MAX_REPORTED_FAILURES = 100;

export const EMPTY_COUNTS: BillingRunCounts = { customers: 0, invoiced: 0, failed: 0, skipped: 0 };

/** How a pass ended: run finished, lease handed back on request, or lease lost to another. */
export type PassEnd = 'finished' | 'released' | 'lost';
