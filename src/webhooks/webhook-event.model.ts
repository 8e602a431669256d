/**
 * The webhook inbox: every verified Stripe event, stored before anything acts on it.
 *
 * Item: `WEBHOOK#<evt id>` / `EVENT`; GSI1 `WEBHOOKS#<status>` / `<receivedAt>#<evt id>`, so each
 * status lists newest first and moving status moves the entry between lists.
 *
 * Lifecycle: `received` (claimed by one processor until `leaseUntil`) → `processed` (handled and
 * changed or confirmed our state) | `ignored` (nothing of ours: unknown type, invoice or
 * customer; `reason` says which) | `failed` (a handler threw; `error`). A redelivery or replay
 * of a `failed` entry, or of a `received` one whose lease ran out (its processor died), claims it
 * again (`attempts` + 1); every other redelivery is a duplicate.
 */
export const WEBHOOK_EVENT_STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

export interface WebhookEventResult {
  customerId?: string;
  invoiceId?: string;
  paymentId?: string;
  /** What the event changed, e.g. `invoice inv_acme_2026-03: open → paid`; empty for none. */
  changes: string[];
}

export interface WebhookEventEntry {
  /** Stripe's event id. */
  id: string;
  provider: 'stripe';
  /** Stripe's event type, e.g. `invoice.paid`. */
  eventType: string;
  livemode: boolean;
  apiVersion: string | null;
  /** Stripe's `created` (ISO): when it happened at Stripe; the ordering of state changes. */
  createdAt: string;
  /** First delivery. */
  receivedAt: string;
  status: WebhookEventStatus;
  /** Processing runs so far (deliveries and replays that claimed the entry). */
  attempts: number;
  lastAttemptAt: string;
  /** Epoch ms until which the current run owns a `received` entry. */
  leaseUntil?: number;
  /** When it became processed or ignored. */
  processedAt?: string;
  failedAt?: string;
  reason?: string;
  error?: string;
  result?: WebhookEventResult;
  /** The verified body, exactly as received: what replays run from. */
  payload: string;
  /** TTL (epoch seconds). */
  expiresAt: number;
}

/** Longer than Stripe's 3-day retry window, so every redelivery still finds its entry. */
export const WEBHOOK_RETENTION_DAYS = 90;

/** How long one run owns an entry; after that a redelivery or the recovery job may take over. */
export const WEBHOOK_LEASE_MS = 2 * 60_000;
