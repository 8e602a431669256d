import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { customerRecordKey, customerResponseKey } from './customer.cache-keys';
import { Clock } from '../common/time/clock';
import { AuditService } from '../audit/audit.service';
import { OutboxWriter } from '../events';
import { PlansService } from '../plans/plans.service';
import { PaymentGateway } from '../stripe';
import type { TransactItem } from '../database/transact-item';
import {
  CurrencyMismatch,
  CustomerAlreadyExists,
  CustomerArchived,
  CustomerNotFound,
  CustomerWriteConflict,
} from './customer.errors';
import { type StandingReport, withStandingReport } from './billing-standing';
import type { Customer, ProviderCustomerRef } from './customer.model';
import { CustomerPage, CustomersRepository } from './customers.repository';
import {
  type ProviderCustomerLink,
  ProviderCustomerLinksRepository,
} from './provider-customer-links.repository';

export type { ProviderCustomerLink };

export interface CreateCustomer {
  id: string;
  email: string;
  name: string;
  planId: string;
  currency?: string;
  metadata?: Record<string, string>;
  billingAddress?: string;
  taxId?: string;
}

export type UpdateCustomer = Partial<
  Pick<
    Customer,
    'email' | 'name' | 'planId' | 'metadata' | 'creditPolicy' | 'billingAddress' | 'taxId'
  >
>;

const MAX_WRITE_ATTEMPTS = 5;
/**
 * How long a hot path may use a cached customer. Writes through this instance invalidate at once;
 * other instances (each with its own cache unless a shared one is configured) see a change within
 * this time, e.g. an archived customer's usage is refused at most this long after archiving.
 */
export const CUSTOMER_RECORD_TTL_MS = 10_000;

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly links: ProviderCustomerLinksRepository,
    private readonly plans: PlansService,
    private readonly clock: Clock,
    private readonly gateway: PaymentGateway,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  async create(input: CreateCustomer): Promise<Customer> {
    const plan = await this.plans.requireCurrent(input.planId);
    const currency = input.currency ?? plan.document.currency;
    if (currency !== plan.document.currency) {
      throw new CurrencyMismatch(currency, input.planId, plan.document.currency);
    }
    const now = this.clock.now().toISOString();
    const customer: Customer = {
      id: input.id,
      email: input.email,
      name: input.name,
      planId: input.planId,
      currency,
      metadata: input.metadata ?? {},
      ...(input.billingAddress !== undefined ? { billingAddress: input.billingAddress } : {}),
      ...(input.taxId !== undefined ? { taxId: input.taxId } : {}),
      status: 'active',
      billingStatus: 'active',
      planHistory: [{ planId: input.planId, from: now }],
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
    // With a payment provider, a marker in the same transaction guarantees the provider customer
    // is created eventually: right after this (ProviderSync.onCreated) or by its retry job.
    const syncPending = this.gateway.enabled;
    const created = this.outbox.entryFor([
      this.outbox.event(
        'billing.customer.created',
        { planId: customer.planId, currency: customer.currency, status: customer.status },
        { customerId: customer.id },
      ),
    ]);
    const extra = [
      ...(created ? [created] : []),
      ...this.audit.entries({
        operation: 'customer.create',
        entityType: 'customer',
        entityId: customer.id,
        after: customer,
      }),
    ];
    if (!(await this.customers.create(customer, { syncPending, extra }))) {
      throw new CustomerAlreadyExists(input.id);
    }
    await this.invalidate(customer.id);
    return customer;
  }

  async get(customerId: string): Promise<Customer> {
    const customer = await this.customers.get(customerId);
    if (!customer) throw new CustomerNotFound(customerId);
    return customer;
  }

  /** Like `get`, served from the cache for up to CUSTOMER_RECORD_TTL_MS (usage ingest). */
  async getCached(customerId: string): Promise<Customer | undefined> {
    const key = customerRecordKey(customerId);
    const cached = await this.cache.get<Customer>(key);
    if (cached) return cached;
    const customer = await this.customers.get(customerId);
    if (customer) await this.cache.set(key, customer, CUSTOMER_RECORD_TTL_MS);
    return customer;
  }

  list(limit: number, cursor?: string): Promise<CustomerPage> {
    return this.customers.list(limit, cursor);
  }

  async update(customerId: string, changes: UpdateCustomer): Promise<Customer> {
    const operation = changes.planId !== undefined ? 'customer.plan_change' : 'customer.update';
    return this.mutate(customerId, operation, async (current, now) => {
      if (current.status === 'archived') throw new CustomerArchived(customerId);
      const defined = Object.fromEntries(
        Object.entries(changes).filter(([, value]) => value !== undefined),
      );
      const next: Customer = { ...current, ...defined };
      if (changes.creditPolicy) next.creditPolicy = { overdraft: changes.creditPolicy.overdraft };
      if (changes.planId !== undefined && changes.planId !== current.planId) {
        const plan = await this.plans.requireCurrent(changes.planId);
        if (plan.document.currency !== current.currency) {
          throw new CurrencyMismatch(current.currency, changes.planId, plan.document.currency);
        }
        // A plan change takes effect now; usage before it stays priced with the old plan.
        next.planHistory = [...current.planHistory, { planId: changes.planId, from: now }];
      }
      return next;
    });
  }

  /**
   * Records the payment provider's customer id (once; later calls keep the first), and in the
   * same transaction the link from that id back to the customer, so webhooks that name only the
   * provider's id find the customer from the moment it has one.
   */
  async attachProviderCustomer(customerId: string, ref: ProviderCustomerRef): Promise<Customer> {
    return this.mutate(
      customerId,
      'customer.provider_link',
      async (current) =>
        current.providerCustomer ? undefined : { ...current, providerCustomer: { ...ref } },
      [this.links.linkInTransaction(ref, customerId)],
    );
  }

  /** Which customer a payment-provider customer id belongs to, if known. */
  providerCustomerLink(ref: ProviderCustomerRef): Promise<ProviderCustomerLink | undefined> {
    return this.links.get(ref);
  }

  /** Remembers a pair of ids the provider verifiably reported together (webhooks). */
  learnProviderCustomer(ref: ProviderCustomerRef, customerId: string): Promise<void> {
    return this.links.link(ref, customerId);
  }

  /** Remembers that the provider deleted its customer, so a late update cannot relink it. */
  markProviderCustomerDeleted(
    ref: ProviderCustomerRef,
    customerId: string,
    at: string,
  ): Promise<void> {
    return this.links.markDeleted(ref, customerId, at);
  }

  /**
   * A payment or subscription report of the payment provider (webhooks), at the provider's event
   * time. Reports arrive in any order; `withStandingReport` keeps the newest per part, so the
   * result does not depend on the order, and `changed` says whether this one changed anything.
   */
  async applyBillingStatus(
    customerId: string,
    report: StandingReport,
  ): Promise<{ before: Customer; customer: Customer; changed: boolean }> {
    let changed = false;
    let before: Customer | undefined;
    const customer = await this.mutate(customerId, 'customer.billing_status', async (current) => {
      before = current;
      const next = withStandingReport(current, report);
      changed = next !== undefined;
      return next;
    });
    return { before: before ?? customer, customer, changed };
  }

  /**
   * Forgets the provider customer after it was deleted at the provider, so the next invoice push
   * creates a new one. A different provider customer linked since is kept.
   */
  async detachProviderCustomer(
    customerId: string,
    ref: ProviderCustomerRef,
  ): Promise<{ customer: Customer; changed: boolean }> {
    let changed = false;
    const customer = await this.mutate(customerId, 'customer.provider_unlink', async (current) => {
      changed =
        current.providerCustomer?.provider === ref.provider &&
        current.providerCustomer.id === ref.id;
      return changed ? { ...current, providerCustomer: undefined } : undefined;
    });
    return { customer, changed };
  }

  /** Archiving is idempotent: archiving an archived customer changes nothing. */
  async archive(customerId: string): Promise<Customer> {
    return this.mutate(customerId, 'customer.archive', async (current, now) =>
      current.status === 'archived'
        ? undefined
        : { ...current, status: 'archived', archivedAt: now },
    );
  }

  /**
   * Read-modify-write with optimistic concurrency, so concurrent changes (say a plan change and a
   * webhook updating billingStatus) never overwrite each other. `change` returns undefined for
   * "nothing to write". The audit record (before/after) and `extra` commit in the same
   * transaction.
   */
  private async mutate(
    customerId: string,
    operation: string,
    change: (current: Customer, now: string) => Promise<Customer | undefined>,
    extra: TransactItem[] = [],
  ): Promise<Customer> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await this.get(customerId);
      const now = this.clock.now().toISOString();
      const next = await change(current, now);
      if (!next) return current;
      const written = { ...next, updatedAt: now, revision: current.revision + 1 };
      const audit = this.audit.entries({
        operation,
        entityType: 'customer',
        entityId: customerId,
        before: current,
        after: written,
      });
      if (await this.customers.replace(written, current.revision, [...audit, ...extra])) {
        await this.invalidate(customerId);
        return written;
      }
    }
    throw new CustomerWriteConflict(customerId);
  }

  private async invalidate(customerId: string): Promise<void> {
    await this.cache.mdel([customerResponseKey(customerId), customerRecordKey(customerId)]);
  }
}
