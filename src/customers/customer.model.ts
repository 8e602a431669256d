export type CustomerStatus = 'active' | 'archived';
/** Payment standing, driven by Stripe webhooks. */
export type BillingStatus = 'active' | 'past_due' | 'cancelled';

export interface PlanAssignment {
  planId: string;
  /** ISO-8601 instant from which usage is priced with this plan. */
  from: string;
}

export interface Customer {
  id: string;
  email: string;
  name: string;
  planId: string;
  currency: string;
  metadata: Record<string, string>;
  status: CustomerStatus;
  billingStatus: BillingStatus;
  /** Every plan the customer has been on, oldest first; the last entry is `planId`. */
  planHistory: PlanAssignment[];
  stripeCustomerId?: string;
  /**
   * When the provider event behind `billingStatus` happened (Stripe's `event.created`, ISO).
   * Webhooks arrive in any order; an event older than this never changes `billingStatus`.
   */
  billingStatusAt?: string;
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
  /** Optimistic-concurrency counter, bumped by every write. */
  revision: number;
}

/** Same-second tie-break: a cancellation outranks a payment, a payment outranks a failure. */
const STANDING_RANK: Record<BillingStatus, number> = { past_due: 0, active: 1, cancelled: 2 };

/**
 * The customer with a payment standing reported by the provider at `at` (ISO), or undefined when
 * it changes nothing: the report is older than the one applied last, or loses the same-second
 * tie-break. A cancellation stays: paying an old invoice does not revive a cancelled subscription.
 * The time is recorded even when the standing is unchanged, so an older report cannot undo it.
 */
export function withBillingStatus(
  customer: Customer,
  status: BillingStatus,
  at: string,
): Customer | undefined {
  if (customer.billingStatus === 'cancelled' && status !== 'cancelled') return undefined;
  const last = customer.billingStatusAt;
  if (last !== undefined && at < last) return undefined;
  if (last === at && STANDING_RANK[status] <= STANDING_RANK[customer.billingStatus]) {
    return undefined;
  }
  return { ...customer, billingStatus: status, billingStatusAt: at };
}
