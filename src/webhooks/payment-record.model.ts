export type PaymentStatus = 'succeeded' | 'failed';

/**
 * A provider payment (Stripe PaymentIntent) as webhooks reported it. Item: `PAYMENT#<pi id>` /
 * `PAYMENT`; GSI1 `CUSTOMER_PAYMENTS#<customerId>` / `<createdAt>#<pi id>` when the customer is
 * known.
 */
export interface PaymentRecord {
  id: string;
  provider: 'stripe';
  status: PaymentStatus;
  /** Decimal strings in major units. */
  amount: string;
  amountReceived: string;
  currency: string;
  customerId?: string;
  invoiceId?: string;
  providerCustomerId?: string;
  failureCode?: string;
  failureMessage?: string;
  /** The Stripe event behind the current state, and when it happened at Stripe (ISO). */
  lastEventId: string;
  lastEventAt: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** What one `payment_intent.*` event says. */
export type PaymentObservation = Omit<
  PaymentRecord,
  'lastEventId' | 'lastEventAt' | 'createdAt' | 'updatedAt' | 'revision'
> & { eventId: string; eventAt: string };

/**
 * The record after an observation, or undefined when it changes nothing. Events arrive in any
 * order: success is final (a PaymentIntent never fails after succeeding, so a late failure is
 * stale); a failure only replaces an older failure (a newer attempt's error); a replay of the
 * event already applied changes nothing.
 */
export function nextPaymentRecord(
  existing: PaymentRecord | undefined,
  seen: PaymentObservation,
  now: string,
): PaymentRecord | undefined {
  const { eventId, eventAt, ...fields } = seen;
  if (!existing) {
    return {
      ...fields,
      lastEventId: eventId,
      lastEventAt: eventAt,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
  }
  if (existing.lastEventId === eventId || existing.status === 'succeeded') return undefined;
  if (seen.status === 'failed' && eventAt < existing.lastEventAt) return undefined;
  return {
    ...existing,
    ...fields,
    // Links learnt from an earlier event are kept when a later one lacks them.
    customerId: fields.customerId ?? existing.customerId,
    invoiceId: fields.invoiceId ?? existing.invoiceId,
    providerCustomerId: fields.providerCustomerId ?? existing.providerCustomerId,
    ...(seen.status === 'succeeded' ? { failureCode: undefined, failureMessage: undefined } : {}),
    lastEventId: eventId,
    lastEventAt: eventAt,
    updatedAt: now,
    revision: existing.revision + 1,
  };
}
