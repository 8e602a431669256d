/**
 * Stripe objects are exposed loosely typed on purpose: tests poke at them
 * (e.g. flip an invoice status) and the fake also stores deleted stubs
 * (`{ id, object, deleted: true }`) in the same maps, which no single SDK
 * type describes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StripeObject = any;

/** Decoded form/query parameters: nested objects, arrays and string leaves. */
export type Params = Record<string, unknown>;

export interface FakeStripeOptions {
  port?: number;
  /** When set, only this exact secret key is accepted; otherwise any `sk_test_`/`rk_test_` key is. */
  apiKey?: string;
  /** Epoch-seconds clock used for `created`, `status_transitions`, events. Defaults to wall clock. */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Params;
  idempotencyKey?: string;
  /** Decoded form body (POST); empty for GET/DELETE, whose params travel in `query`. */
  body: Params;
  stripeVersion?: string;
  /** Filled in once the fake has decided what to answer. */
  status?: number;
  outcome?: 'handled' | 'replayed' | 'fault' | 'dropped' | 'rejected';
}

export interface FaultControls {
  /**
   * The next `n` requests answer `status` without touching state. The SDK retries
   * 5xx on its own (when maxNetworkRetries > 0) but only retries 429 when the
   * response carries `Stripe-Should-Retry: true`, hence `shouldRetry`.
   */
  failNext(n: number, status?: 500 | 429 | 503, opts?: { shouldRetry?: boolean }): void;
  /** Delay every response by `ms` (applied after the change is committed). */
  addLatency(ms: number): void;
  /** Next `n` POST/DELETE requests commit, then the socket is destroyed with no answer. */
  dropResponseAfterCommit(n: number): void;
  reset(): void;
}

export interface FakeStripeState {
  customers: Map<string, StripeObject>;
  invoiceItems: Map<string, StripeObject>;
  invoices: Map<string, StripeObject>;
  creditNotes: Map<string, StripeObject>;
  refunds: Map<string, StripeObject>;
  charges: Map<string, StripeObject>;
}

export interface RefundControls {
  /** The status new refunds get: `succeeded` (the default, as card refunds in test mode) or `pending`. */
  createAs(status: 'succeeded' | 'pending'): void;
  /** Moves a refund to its end and emits `refund.updated` (and `refund.failed`), as Stripe does. */
  settle(refundId: string, status: 'succeeded' | 'failed', failureReason?: string): StripeObject;
}

export interface FakeStripe {
  host: string;
  port: number;
  protocol: 'http';
  url: string;
  /** API version stamped on events and echoed when the client sends none. */
  apiVersion: string;
  state: FakeStripeState;
  requests: RecordedRequest[];
  faults: FaultControls;
  refunds: RefundControls;
  events: StripeObject[];
  reset(): void;
  close(): Promise<void>;
}
