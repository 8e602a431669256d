/**
 * A customer's standing with the payment provider, from webhooks that arrive in any order.
 *
 * Two things are tracked apart, each decided by the provider's event time (Stripe's `created`),
 * never by arrival:
 * - every subscription's status: the newest report about that subscription wins (same second:
 *   cancellation wins);
 * - the payment standing: the newest payment report wins (same second: a payment wins over a
 *   failure).
 * The exposed `billingStatus` is derived from both: `cancelled` when the customer has
 * subscriptions and every one of them is cancelled, else `past_due` when the newest payment
 * report was a failure, else `active`. Each part is the maximum of its reports under a total
 * order (time, then rank), so any delivery order, and any redelivery, ends in the same state.
 */

/** The standing exposed on the customer, derived from the two parts below. */
export type BillingStatus = 'active' | 'past_due' | 'cancelled';
export type PaymentStanding = 'current' | 'past_due';
export type SubscriptionStatus = 'active' | 'cancelled';

/** A status and the provider's time of the report behind it (ISO-8601). */
export interface Reported<S> {
  status: S;
  at: string;
}

export type StandingReport =
  | { kind: 'payment'; status: PaymentStanding; at: string }
  | { kind: 'subscription'; subscriptionId: string; status: SubscriptionStatus; at: string };

export interface Standing {
  payment?: Reported<PaymentStanding>;
  subscriptions: Record<string, Reported<SubscriptionStatus>>;
}

/** The fields of a customer the standing lives in. */
export interface StandingFields {
  billingStatus: BillingStatus;
  paymentStanding?: Reported<PaymentStanding>;
  subscriptions?: Record<string, Reported<SubscriptionStatus>>;
  /** Before subscriptions were tracked apart: the time of the report behind `billingStatus`. */
  billingStatusAt?: string;
}

/** Stands for the subscription behind a `cancelled` stored before subscriptions were tracked. */
export const EARLIER_SUBSCRIPTION = '(earlier subscription)';

const PAYMENT_RANK: Record<PaymentStanding, number> = { past_due: 0, current: 1 };
const SUBSCRIPTION_RANK: Record<SubscriptionStatus, number> = { active: 0, cancelled: 1 };

/** Whether `report` is newer than `current` (same time: higher rank), so it replaces it. */
function supersedes<S extends string>(
  rank: Record<S, number>,
  current: Reported<S> | undefined,
  report: Reported<S>,
): boolean {
  if (!current) return true;
  if (report.at !== current.at) return report.at > current.at;
  return rank[report.status] > rank[current.status];
}

/** The standing stored on a customer, reading records written before the two were apart. */
export function standingOf(customer: StandingFields): Standing {
  if (customer.paymentStanding || customer.subscriptions) {
    return { payment: customer.paymentStanding, subscriptions: customer.subscriptions ?? {} };
  }
  const at = customer.billingStatusAt;
  if (at === undefined) return { subscriptions: {} };
  if (customer.billingStatus === 'cancelled') {
    return { subscriptions: { [EARLIER_SUBSCRIPTION]: { status: 'cancelled', at } } };
  }
  return {
    payment: { status: customer.billingStatus === 'past_due' ? 'past_due' : 'current', at },
    subscriptions: {},
  };
}

export function billingStatusOf(standing: Standing): BillingStatus {
  const subscriptions = Object.values(standing.subscriptions);
  // Which subscription an earlier `cancelled` was about is unknown: only a newer report of a
  // live subscription lifts it (a late, older update may be about that very subscription).
  const earlier = standing.subscriptions[EARLIER_SUBSCRIPTION];
  const live = subscriptions.some(
    (s) => s.status === 'active' && (earlier === undefined || s.at > earlier.at),
  );
  if (subscriptions.length > 0 && !live) return 'cancelled';
  return standing.payment?.status === 'past_due' ? 'past_due' : 'active';
}

/**
 * The customer's standing fields after `report`, or undefined when the report changes nothing
 * (an older or equal report than the one kept for its part).
 */
export function withStandingReport<C extends StandingFields>(
  customer: C,
  report: StandingReport,
): C | undefined {
  const standing = standingOf(customer);
  const next = nextStanding(standing, report);
  if (!next) return undefined;
  return {
    ...customer,
    billingStatus: billingStatusOf(next),
    paymentStanding: next.payment,
    subscriptions: next.subscriptions,
    billingStatusAt: undefined,
  };
}

function nextStanding(standing: Standing, report: StandingReport): Standing | undefined {
  if (report.kind === 'payment') {
    const payment = { status: report.status, at: report.at };
    return supersedes(PAYMENT_RANK, standing.payment, payment)
      ? { ...standing, payment }
      : undefined;
  }
  const subscription = { status: report.status, at: report.at };
  const current = standing.subscriptions[report.subscriptionId];
  return supersedes(SUBSCRIPTION_RANK, current, subscription)
    ? {
        ...standing,
        subscriptions: { ...standing.subscriptions, [report.subscriptionId]: subscription },
      }
    : undefined;
}
