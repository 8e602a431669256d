/**
 * Every key the single table uses, in one place. Reading this file lists the table's layout;
 * the README's data-model table mirrors it.
 */

export const GSI1 = 'GSI1';

export interface TableKey {
  pk: string;
  sk: string;
}

export interface Gsi1Key {
  gsi1pk: string;
  gsi1sk: string;
}

/** Zero-padded so that string order equals numeric order in sort keys. */
export const padVersion = (version: number): string => version.toString().padStart(10, '0');

export const Keys = {
  customer: (customerId: string): TableKey => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  /** All customers, ordered by id, for listing with a cursor. */
  customerList: (customerId: string): Gsi1Key => ({ gsi1pk: 'CUSTOMERS', gsi1sk: customerId }),
  customerListPartition: 'CUSTOMERS',

  /** Customers whose payment-provider customer is still to be created (retried until done). */
  providerSyncPending: (customerId: string): TableKey => ({ pk: 'PROVIDER_SYNC', sk: customerId }),
  providerSyncPartition: 'PROVIDER_SYNC',

  planHead: (planId: string): TableKey => ({ pk: `PRICING#${planId}`, sk: 'HEAD' }),
  planVersion: (planId: string, version: number): TableKey => ({
    pk: `PRICING#${planId}`,
    sk: `VERSION#${padVersion(version)}`,
  }),
  planVersionPrefix: 'VERSION#',
  /** All plans, ordered by id. */
  planList: (planId: string): Gsi1Key => ({ gsi1pk: 'PLANS', gsi1sk: planId }),
  planListPartition: 'PLANS',

  /** One usage event; the key makes customer + eventId unique forever (conditional put). */
  usageEvent: (customerId: string, eventId: string): TableKey => ({
    pk: `USAGE#${customerId}`,
    sk: `EVENT#${eventId}`,
  }),
  /**
   * One transaction's events of one customer and UTC day (an "event page", written with the
   * events): the raw events of a day by time come from the day's pages, not from an index entry
   * per event. `createdAt` + the transaction's id keep every page its own item.
   */
  usageEventPage: (customerId: string, day: string, createdAt: string, txId: string): TableKey => ({
    pk: `USAGE#${customerId}`,
    sk: `${Keys.usageEventPagesPrefix(day)}${createdAt}#${txId}`,
  }),
  /**
   * An event's correction as its day's pages see it (effective quantity, voided), written with
   * every correction. Under the same day prefix as the pages (after them: `F` sorts after the
   * digits of `createdAt`), so one query reads a day's pages and fixes.
   */
  usageEventFix: (customerId: string, day: string, eventId: string): TableKey => ({
    pk: `USAGE#${customerId}`,
    sk: `${Keys.usageEventPagesPrefix(day)}FIX#${eventId}`,
  }),
  /** `EVENTS#`, not `EVENT#`: a day's pages never match an event's key or its prefix. */
  usageEventPagesPrefix: (day: string) => `EVENTS#${day}#`,
  /**
   * Before event pages: each event's GSI1 entry, by day and time. Events recorded then still
   * carry it (and have no page), so readers of a day's events also read this partition.
   */
  legacyUsageEventTimePartition: (customerId: string, day: string) =>
    `USAGEDAY#${customerId}#${day}`,
  /** Totals of one customer and UTC day (`YYYY-MM-DD`), overall and per endpoint. */
  usageDay: (customerId: string, day: string): TableKey => ({
    pk: `USAGE#${customerId}`,
    sk: `DAY#${day}`,
  }),
  usageDayPrefix: 'DAY#',
  /** Marks a customer's period as closed (its invoice is finalized). */
  usagePeriod: (customerId: string, period: string): TableKey => ({
    pk: `USAGE#${customerId}`,
    sk: `PERIOD#${period}`,
  }),

  invoice: (invoiceId: string): TableKey => ({ pk: `INVOICE#${invoiceId}`, sk: 'INVOICE' }),
  /** A customer's invoices, newest period first. */
  customerInvoices: (customerId: string, period: string, invoiceId: string): Gsi1Key => ({
    gsi1pk: `CUSTOMER_INVOICES#${customerId}`,
    gsi1sk: `${period}#${invoiceId}`,
  }),
  customerInvoicesPartition: (customerId: string) => `CUSTOMER_INVOICES#${customerId}`,
  /** A period's threshold invoices (reports find them here: their ids are not derived). */
  periodThresholdInvoice: (period: string, invoiceId: string): TableKey => ({
    pk: `THRESHOLD_INVOICES#${period}`,
    sk: invoiceId,
  }),
  periodThresholdInvoicesPartition: (period: string) => `THRESHOLD_INVOICES#${period}`,
  /** Sequence behind human-readable invoice numbers, one counter per period. */
  invoiceNumberCounter: (period: string): TableKey => ({
    pk: 'COUNTER#INVOICE_NUMBER',
    sk: period,
  }),

  /** A period's billing run: summary, counts and the lease of the pass in progress. */
  billingRun: (period: string): TableKey => ({ pk: Keys.billingRunPartition(period), sk: 'RUN' }),
  /** One customer's progress in a period's billing run (read back as a whole at pass start). */
  billingRunCustomer: (period: string, customerId: string): TableKey => ({
    pk: Keys.billingRunPartition(period),
    sk: `CUSTOMER#${customerId}`,
  }),
  billingRunCustomerPrefix: 'CUSTOMER#',
  billingRunPartition: (period: string) => `BILLING_RUN#${period}`,
  /** Runs not completed yet (sparse), so any instance can find one to resume or retry. */
  billingRunOpen: (period: string): Gsi1Key => ({ gsi1pk: 'BILLING_RUNS_OPEN', gsi1sk: period }),
  billingRunOpenPartition: 'BILLING_RUNS_OPEN',

  /** Audit records of one entity, oldest first by sort key. */
  auditRecord: (entityType: string, entityId: string, at: string, id: string): TableKey => ({
    pk: Keys.auditEntityPartition(entityType, entityId),
    sk: `${at}#${id}`,
  }),
  auditEntityPartition: (entityType: string, entityId: string) => `AUDIT#${entityType}#${entityId}`,
  /** All audit records of one month (`YYYY-MM`), by time, for queries without an entity. */
  auditTime: (at: string, id: string): Gsi1Key => ({
    gsi1pk: Keys.auditMonthPartition(at.slice(0, 7)),
    gsi1sk: `${at}#${id}`,
  }),
  auditMonthPartition: (month: string) => `AUDIT#${month}`,

  /** A received Stripe event (the webhook inbox); the event id makes every delivery one item. */
  webhookEvent: (eventId: string): TableKey => ({ pk: `WEBHOOK#${eventId}`, sk: 'EVENT' }),
  /** Inbox entries of one status, ordered by first receipt (listing, stale-entry recovery). */
  webhookEventsByStatus: (status: string, receivedAt: string, eventId: string): Gsi1Key => ({
    gsi1pk: `WEBHOOKS#${status}`,
    gsi1sk: `${receivedAt}#${eventId}`,
  }),
  webhookEventsByStatusPartition: (status: string) => `WEBHOOKS#${status}`,
  /** A provider payment (Stripe PaymentIntent), recorded from webhooks. */
  payment: (paymentId: string): TableKey => ({ pk: `PAYMENT#${paymentId}`, sk: 'PAYMENT' }),
  /** A customer's payments, newest first. */
  customerPayments: (customerId: string, at: string, paymentId: string): Gsi1Key => ({
    gsi1pk: `CUSTOMER_PAYMENTS#${customerId}`,
    gsi1sk: `${at}#${paymentId}`,
  }),
  /**
   * Which of our customers a payment provider's customer id belongs to (webhooks that carry only
   * the provider's id, e.g. Stripe's `cus_…`): `STRIPE_CUSTOMER#cus_…` for Stripe.
   */
  providerCustomer: (provider: string, providerCustomerId: string): TableKey => ({
    pk: `${provider.toUpperCase()}_CUSTOMER#${providerCustomerId}`,
    sk: 'CUSTOMER',
  }),

  /**
   * Transactional outbox: one item per committed change, holding that change's events. Sharded so
   * writes spread over partitions; the relay reads each shard in order of creation.
   */
  outbox: (shard: number, createdAt: string, id: string): TableKey => ({
    pk: Keys.outboxPartition(shard),
    sk: `${createdAt}#${id}`,
  }),
  outboxPartition: (shard: number) => `OUTBOX#${String(shard).padStart(2, '0')}`,
  OUTBOX_SHARDS: 8,
  /**
   * One in-process subscriber's durable queue: the events of one outbox item that it subscribes
   * to, copied when the relay first claims that item (same sort key, so oldest first).
   */
  subscriberQueue: (subscriber: string, createdAt: string, id: string): TableKey => ({
    pk: Keys.subscriberQueuePartition(subscriber),
    sk: `${createdAt}#${id}`,
  }),
  subscriberQueuePartition: (subscriber: string) => `SUBQ#${subscriber}`,
};
