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
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
  /** Optimistic-concurrency counter, bumped by every write. */
  revision: number;
}
