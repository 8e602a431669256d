/**
 * The vocabulary of billing facts: every event type and the shape of its `data`. Producers
 * (`OutboxWriter.event`) and subscribers (`BillingEventSubscriber`) are both typed from this one
 * map, so a field a subscriber reads is a field every producer writes. Adding an event type is
 * one entry here (and its producer); EventBridge consumers see the same names as `detail-type`.
 */
// Payloads are type aliases, not interfaces, so they stay assignable to the stored form's
// `Record<string, unknown>`.
export type BillingEventMap = {
  'billing.usage.tracked': {
    usageEventId: string;
    endpoint: string;
    /** Decimal string. */
    quantity: string;
    timestamp: string;
  };
  /**
   * A recorded usage event was voided or amended. Its day and endpoint totals moved by `delta`;
   * when its period was already invoiced (`periodClosed`), the period has an adjustment pending.
   */
  'billing.usage.corrected': {
    usageEventId: string;
    correction: 'void' | 'amend';
    /** 1, 2, 3… per usage event. */
    seq: number;
    endpoint: string;
    /** Decimal strings: the event's quantity before and after ("0" after a void), the change. */
    previousQuantity: string;
    quantity: string;
    delta: string;
    /** The event's own time, and its period (`YYYY-MM`). */
    timestamp: string;
    period: string;
    periodClosed: boolean;
    reason: string;
  };
  'billing.customer.created': { planId: string; currency: string; status: string };
  'billing.invoice.created': InvoiceEventData;
  'billing.invoice.finalized': InvoiceEventData;
  /** A draft or open invoice was voided. */
  'billing.invoice.voided': InvoiceEventData;
  /** An invoice became paid (InvoiceEventData), or a provider payment moved (PaymentEventData). */
  'billing.payment.processed': InvoiceEventData | PaymentEventData;
  'billing.webhook.processed': {
    stripeEventId: string;
    stripeEventType: string;
    livemode: boolean;
    invoiceId: string | null;
    paymentId: string | null;
    changes: string[];
    attempt: number;
    replayed: boolean;
  };
  'billing.period.closed': {
    period: string;
    customers: number;
    invoiced: number;
    skipped: number;
    passes: number;
    startedAt: string;
    finishedAt: string;
  };
  /** Prepaid credit granted to a customer. */
  'billing.credits.granted': CreditGrantEventData;
  /** Credits paid (part of) a finalized invoice; one entry per grant used. */
  'billing.credits.applied': {
    invoiceId: string;
    currency: string;
    /** Decimal string: the total applied. */
    amount: string;
    grants: { grantId: string; amount: string }[];
    /** Decimal string: the customer's available credit after this. */
    balanceAfter: string;
  };
  /** A grant's unused remainder written off when it expired. */
  'billing.credits.expired': CreditGrantEventData & { balanceAfter: string };
  /** A grant's unused remainder voided. */
  'billing.credits.voided': CreditGrantEventData & { balanceAfter: string };
  /** Credits applied to an invoice that was then voided, given back to their grants. */
  'billing.credits.reversed': {
    invoiceId: string;
    currency: string;
    amount: string;
    grants: { grantId: string; amount: string }[];
    balanceAfter: string;
  };
  /** A credit note was issued on a finalized invoice. */
  'billing.credit_note.created': CreditNoteEventData;
  /** A credit note was voided: its amounts are back on the invoice, its credit grant voided. */
  'billing.credit_note.voided': CreditNoteEventData;
  /**
   * A credit note's refund came to an end: `succeeded` (recorded as refunded when no payment
   * provider is involved) or `failed`. A refund reported succeeded and later failed reports both.
   */
  'billing.refund.processed': RefundEventData;
  /** A customer's alert crossed one of its thresholds, once per window. */
  'billing.alert.triggered': AlertEventData;
  /** A usage correction brought the value back under a triggered threshold: it is armed again. */
  'billing.alert.resolved': AlertEventData;
};

export type AlertEventData = {
  alertId: string;
  /** `spend`, `units` or `credit_balance`. */
  metric: string;
  /** `period` (UTC month) or `day` (UTC day), and its id (`YYYY-MM` or `YYYY-MM-DD`). */
  window: string;
  windowId: string;
  /** Decimal strings: the threshold (0-based index among the listed and recurring ones) and the value. */
  threshold: string;
  thresholdIndex: number;
  code: string | null;
  value: string;
  /** The event that crossed (or, for `resolved`, un-crossed) the threshold. */
  crossedBy: string;
};

export type CreditNoteEventData = {
  creditNoteId: string;
  number: string;
  invoiceId: string;
  invoiceNumber: string;
  /** `pre_payment`: it reduced what the invoice asks for; `post_payment`: refund and/or credit. */
  type: string;
  status: string;
  reason: string;
  currency: string;
  /** Decimal strings in major units: the note's total, its refund and its credit parts. */
  total: string;
  refund: string;
  credit: string;
  /** The `credit_note` credit grant holding the credit part, if any. */
  grantId: string | null;
  refundStatus: string;
};

export type RefundEventData = {
  creditNoteId: string;
  number: string;
  invoiceId: string;
  currency: string;
  /** Decimal string in major units. */
  amount: string;
  status: 'succeeded' | 'failed';
  /** `stripe`, or null when the refund was recorded without a payment provider. */
  provider: string | null;
  providerRefundIds: string[];
  failureReason: string | null;
};

export type CreditGrantEventData = {
  grantId: string;
  kind: string;
  currency: string;
  /** Decimal string: the grant's amount for `granted`; the amount written off otherwise. */
  amount: string;
  priority: number;
  effectiveAt: string;
  expiresAt: string | null;
};

export type InvoiceEventData = {
  invoiceId: string;
  number: string | null;
  period: string;
  status: string;
  currency: string;
  /** Decimal strings in major units: the priced total, and what is due after credits. */
  total: string;
  amountDue: string;
  providerInvoiceId: string | null;
  /** `period` (the invoice closing the period) or `threshold` (a threshold invoice); absent on older events. */
  billingReason?: 'period' | 'threshold';
};

export type PaymentEventData = {
  paymentId: string;
  provider: string;
  /** The provider's payment status, e.g. `succeeded`, `requires_payment_method`, `canceled`. */
  status: string;
  /** Decimal strings in major units. */
  amount: string;
  amountReceived: string;
  currency: string;
  invoiceId: string | null;
  failureCode: string | null;
  /** The Stripe event that reported it; null for a payment recorded without a provider. */
  stripeEventId: string | null;
  /** Payments recorded without a provider (`provider: "manual"`): how it was paid, its reference. */
  method?: string;
  reference?: string | null;
};

export type BillingEventType = keyof BillingEventMap;

/** Every event type, in the order of the contract (DESIGN §6). */
export const BILLING_EVENT_TYPES = [
  'billing.usage.tracked',
  'billing.usage.corrected',
  'billing.customer.created',
  'billing.invoice.created',
  'billing.invoice.finalized',
  'billing.invoice.voided',
  'billing.payment.processed',
  'billing.webhook.processed',
  'billing.period.closed',
  'billing.credits.granted',
  'billing.credits.applied',
  'billing.credits.expired',
  'billing.credits.voided',
  'billing.credits.reversed',
  'billing.credit_note.created',
  'billing.credit_note.voided',
  'billing.refund.processed',
  'billing.alert.triggered',
  'billing.alert.resolved',
] as const satisfies readonly BillingEventType[];

// Compile-time check that the list names every key of the map.
type Missing = Exclude<BillingEventType, (typeof BILLING_EVENT_TYPES)[number]>;
const everyTypeListed: [Missing] extends [never] ? true : Missing = true;
void everyTypeListed;

/**
 * One business fact, delivered at least once. Consumers dedupe on `eventId`, which stays the
 * same on every redelivery. For a union of types this is the union of each type's event, so
 * `switch (event.type)` narrows `data`.
 */
export type BillingEventOf<T extends BillingEventType> = T extends BillingEventType
  ? {
      /** Unique (uuid); the consumer's dedupe key. */
      eventId: string;
      type: T;
      /** When the change happened (ISO-8601 UTC), not when it was published. */
      occurredAt: string;
      customerId?: string;
      data: BillingEventMap[T];
    }
  : never;

/**
 * An event as the outbox stores and publishes it: the same envelope, `data` as plain JSON.
 * Producers build events typed (`OutboxWriter.event`), subscribers receive them typed
 * (`BillingEventFor`); in between they travel in this form.
 */
export interface BillingEvent {
  eventId: string;
  type: BillingEventType;
  occurredAt: string;
  customerId?: string;
  /** JSON only: it is stored in DynamoDB and sent as EventBridge `Detail`. */
  data: Record<string, unknown>;
}
