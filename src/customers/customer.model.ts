import type {
  BillingStatus,
  PaymentStanding,
  Reported,
  SubscriptionStatus,
} from './billing-standing';

export type { BillingStatus } from './billing-standing';
export type CustomerStatus = 'active' | 'archived';

export interface PlanAssignment {
  planId: string;
  /** ISO-8601 instant from which usage is priced with this plan. */
  from: string;
}

/** The customer's counterpart at a payment provider (`{ provider: 'stripe', id: 'cus_…' }`). */
export interface ProviderCustomerRef {
  /** The payment gateway's name (`PaymentGateway.provider`). */
  provider: string;
  id: string;
}

/** What happens when the customer's usage would spend more prepaid credit than it has. */
export interface CreditPolicy {
  /** `allow`: usage is recorded and invoiced; `block`: usage that does not fit is refused (402). */
  overdraft: 'allow' | 'block';
}

export const DEFAULT_CREDIT_POLICY: CreditPolicy = { overdraft: 'allow' };

export interface Customer {
  id: string;
  email: string;
  name: string;
  planId: string;
  currency: string;
  metadata: Record<string, string>;
  /** Postal address for invoices, lines separated by `\n` (absent: none given). */
  billingAddress?: string;
  /** The customer's tax or VAT id, printed on invoices (absent: none given). */
  taxId?: string;
  status: CustomerStatus;
  /** Standing with the payment provider, derived from the two fields below (billing-standing). */
  billingStatus: BillingStatus;
  /** The newest payment report (Stripe webhooks), with the provider's event time. */
  paymentStanding?: Reported<PaymentStanding>;
  /** Every provider subscription reported for the customer, by id, with its newest report. */
  subscriptions?: Record<string, Reported<SubscriptionStatus>>;
  /** Every plan the customer has been on, oldest first; the last entry is `planId`. */
  planHistory: PlanAssignment[];
  /** Absent: `DEFAULT_CREDIT_POLICY`. */
  creditPolicy?: CreditPolicy;
  /** Set once the payment provider has a customer for this one (written with its link). */
  providerCustomer?: ProviderCustomerRef;
  /**
   * Records written before `paymentStanding` and `subscriptions`: when the provider event behind
   * `billingStatus` happened. Read once (`standingOf`) and dropped by the next standing change.
   */
  billingStatusAt?: string;
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
  /** Optimistic-concurrency counter, bumped by every write. */
  revision: number;
}
