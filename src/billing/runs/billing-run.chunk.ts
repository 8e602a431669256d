import { Injectable } from '@nestjs/common';
import { type BulkheadPolicy, bulkhead } from 'cockatiel';
import { Clock } from '../../common/time/clock';
import { type Period, parsePeriod } from '../../common/time/period';
import type { Customer } from '../../customers/customer.model';
import { ChargesService, type PlanVersionSource } from '../../pricing/charges.service';
import { ADJUSTER_KINDS, InvoiceAdjusters } from '../invoice-adjusters';
import { InvoiceFinalizer } from '../invoice-finalizer';
import {
  type Invoice,
  draftInvoice,
  finalizedInvoice,
  invoiceIdFor,
  nextRevision,
} from '../invoice.model';
import { InvoiceRecords } from '../invoice-records';
import { InvoiceMetrics } from '../invoice.metrics';
import { InvoicesRepository } from '../invoices.repository';
import { ProviderInvoicesService } from '../provider-invoices.service';
import { CustomerBiller, type CustomerOutcome, failedOutcome } from './billing-run.customer';
import type { BillingRunOptions } from './billing-run.options';

/** What the chunks of one pass share. */
export interface PassBilling {
  period: Period;
  /** Each plan's versions, read once per pass instead of once per customer. */
  versions: PlanVersionSource;
  /**
   * Bounds the work that goes one customer at a time (Stripe pushes, the per-customer path):
   * cockatiel's bulkhead with an unbounded queue, shared by the pass's chunks.
   */
  perCustomer: BulkheadPolicy;
}

export type ChunkOutcomes = Map<string, CustomerOutcome>;

/** A customer with the invoice it gets, before anything is written. */
interface Priced {
  customer: Customer;
  draft: Invoice;
}

const customersOf = (priced: readonly { customer: Customer }[]) => priced.map((p) => p.customer);

const SKIPPED: CustomerOutcome = { status: 'skipped', reason: 'archived' };
const invoiced = (invoice: Invoice): CustomerOutcome => ({
  status: 'invoiced',
  invoiceId: invoice.id,
});

/**
 * Bills a chunk of customers (up to 25) for a closed period with a handful of DynamoDB calls in
 * all, instead of a dozen per customer: one batch read of their invoices, one batch write closing
 * their usage periods, a usage query each, one block of invoice numbers, and one transaction
 * writing every invoice with its audit record and one outbox item for all their events.
 *
 * The guarantees are `CustomerBiller`'s, customer by customer: an invoice already past draft
 * counts as done; a draft (left by an earlier pass) is finalized through `CustomerBiller`; a
 * new invoice is written only if none exists (conditional put), so when another instance got in
 * first the transaction writes nothing and the chunk falls back to `CustomerBiller`, which finds
 * what exists. The rules of finalizing are `InvoiceFinalizer`'s, as for `finalize`: the period
 * must have ended, and it is closed before the usage is read.
 *
 * With Stripe, drafts are written first (one transaction), then pushed one customer at a time,
 * then opened (a second transaction): the number Stripe shows is always the invoice's own, and a
 * customer whose push fails keeps its draft and is retried by the next pass, as before.
 */
@Injectable()
export class ChunkBiller {
  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly charges: ChargesService,
    private readonly finalizer: InvoiceFinalizer,
    private readonly adjusters: InvoiceAdjusters,
    private readonly provider: ProviderInvoicesService,
    private readonly records: InvoiceRecords,
    private readonly single: CustomerBiller,
    private readonly clock: Clock,
    private readonly metrics: InvoiceMetrics,
  ) {}

  /** State for one pass over `period`. */
  forPass(period: string, options: BillingRunOptions): PassBilling {
    return {
      period: parsePeriod(period),
      versions: this.charges.cachedVersions(),
      perCustomer: bulkhead(options.perCustomerConcurrency, Infinity),
    };
  }

  /** Every customer's outcome; a failure affects the customers it concerns, not the chunk. */
  async bill(customers: readonly Customer[], pass: PassBilling): Promise<ChunkOutcomes> {
    const outcomes: ChunkOutcomes = new Map();
    const active = customers.filter((c) => c.status !== 'archived');
    for (const c of customers) if (c.status === 'archived') outcomes.set(c.id, SKIPPED);
    await settle(outcomes, active, async () => {
      const { period } = pass;
      const closedAt = this.finalizer.closingTime(period);
      // Every active customer's period is closed before anyone's usage is read, so no usage
      // can land between the calculation and the freeze. Closing does not depend on what the
      // invoices say (a draft's finalize closes it too; a final invoice's is closed already),
      // so it runs alongside the invoice read.
      const [found] = await Promise.all([
        this.invoices.getMany(
          active.map((c) => invoiceIdFor(c.id, period.id)),
          { consistent: true },
        ),
        this.finalizer.closeUsage(
          active.map((c) => c.id),
          period,
          closedAt,
        ),
      ]);
      const existing = new Map(found.map((invoice) => [invoice.customerId, invoice]));
      const fresh: Customer[] = [];
      const drafts: Customer[] = [];
      for (const customer of active) {
        const invoice = existing.get(customer.id);
        if (!invoice) fresh.push(customer);
        else if (invoice.status === 'draft') drafts.push(customer);
        else outcomes.set(customer.id, invoiced(invoice));
      }
      await Promise.all([
        this.oneByOne(drafts, pass, outcomes),
        settle(outcomes, fresh, () => this.billFresh(fresh, pass, outcomes)),
      ]);
    });
    return outcomes;
  }

  /**
   * Customers without an invoice (their periods closed): price, number, write. The numbers are
   * reserved while the usage is read; a customer whose pricing fails leaves a gap, as a draft
   * that is never written does.
   */
  private async billFresh(
    customers: Customer[],
    pass: PassBilling,
    outcomes: ChunkOutcomes,
  ): Promise<void> {
    if (customers.length === 0) return;
    const { period } = pass;
    const [amounts, numbers] = await Promise.all([
      Promise.all(
        customers.map((customer) =>
          this.finalizer.priceCustomer(customer, period, pass.versions).catch((error: unknown) => {
            outcomes.set(customer.id, failedOutcome(error));
            return undefined;
          }),
        ),
      ),
      this.invoices.nextNumbers(period.id, customers.length),
    ]);
    const at = this.clock.now().toISOString();
    const all = await Promise.all(
      customers.map(async (customer, i): Promise<Priced | undefined> => {
        const a = amounts[i];
        if (!a) return undefined;
        const number = numbers[i];
        const id = invoiceIdFor(customer.id, period.id);
        const adjusted = await this.adjusters
          .apply(a, { id, number, customerId: customer.id, period: period.id }, at, false)
          .catch((error: unknown) => {
            outcomes.set(customer.id, failedOutcome(error));
            return undefined;
          });
        if (!adjusted) return undefined;
        const draft = draftInvoice({
          customerId: customer.id,
          period: period.id,
          number,
          amounts: adjusted.amounts,
          at,
        });
        return { customer, draft };
      }),
    );
    const priced = all.filter((p): p is Priced => p !== undefined);
    // An adjusted invoice (credits, late-usage adjustments) commits the adjusters' records with
    // its finalization, one customer at a time: the per-customer path, where a conflict is
    // retried on its own.
    const isAdjusted = ({ draft }: Priced) =>
      draft.lines.some((line) => ADJUSTER_KINDS.has(line.kind));
    const adjusted = priced.filter(isAdjusted);
    const plain = priced.filter((p) => !isAdjusted(p));
    await Promise.all([
      this.oneByOne(customersOf(adjusted), pass, outcomes),
      this.provider.enabled
        ? this.billThroughProvider(plain, pass, outcomes)
        : this.billLocally(plain, pass, outcomes),
    ]);
  }

  /**
   * No payment provider: each invoice is created final, in one write. Consumers still get both
   * events, created (as a draft) and finalized, as from the API; the audit trail records the one
   * change that happened, an `invoice.create` whose `after` is the open (or paid) invoice.
   */
  private async billLocally(
    priced: Priced[],
    pass: PassBilling,
    outcomes: ChunkOutcomes,
  ): Promise<void> {
    if (priced.length === 0) return;
    const finals = priced.map(({ draft }) => finalizedInvoice(draft, null, draft.createdAt));
    const written = await this.invoices.writeMany(
      finals.map((invoice) => ({ invoice })),
      this.records.itemsFor(
        finals.map((after) => ({ after })),
        priced.flatMap(({ draft }, i) => [
          { type: 'billing.invoice.created' as const, invoice: draft },
          { type: 'billing.invoice.finalized' as const, invoice: finals[i] },
        ]),
      ),
    );
    if (!written) return this.oneByOne(customersOf(priced), pass, outcomes);
    // Counted as the events tell it: created (a draft), then finalized.
    this.metrics.committed(
      priced.flatMap(({ draft }, i) => [{ after: draft }, { before: draft, after: finals[i] }]),
    );
    for (const invoice of finals) outcomes.set(invoice.customerId, invoiced(invoice));
  }

  /** With a payment provider: drafts, then a push each, then the pushed ones opened. */
  private async billThroughProvider(
    priced: Priced[],
    pass: PassBilling,
    outcomes: ChunkOutcomes,
  ): Promise<void> {
    if (priced.length === 0) return;
    const created = await this.invoices.writeMany(
      priced.map(({ draft }) => ({ invoice: draft })),
      this.records.itemsFor(
        priced.map(({ draft }) => ({ after: draft })),
        priced.map(({ draft }) => ({ type: 'billing.invoice.created' as const, invoice: draft })),
      ),
    );
    if (!created) return this.oneByOne(customersOf(priced), pass, outcomes);
    this.metrics.committed(priced.map(({ draft }) => ({ after: draft })));

    const pushed = await Promise.all(
      priced.map(({ customer, draft }) =>
        pass.perCustomer
          .execute(() => this.provider.push(draft))
          .then(
            (provider) => ({ customer, draft, provider }),
            (error) => {
              // The draft stays; the next pass finalizes it through the per-customer path.
              outcomes.set(customer.id, failedOutcome(error));
              return undefined;
            },
          ),
      ),
    );
    const ok = pushed.filter((p) => p !== undefined);
    if (ok.length === 0) return;
    const at = this.clock.now().toISOString();
    const finals = ok.map(({ draft, provider }) =>
      nextRevision(finalizedInvoice(draft, provider, at), draft, at),
    );
    const opened = await this.invoices.writeMany(
      finals.map((invoice, i) => ({ invoice, expectedRevision: ok[i].draft.revision })),
      this.records.itemsFor(
        finals.map((after, i) => ({ before: ok[i].draft, after })),
        finals.map((invoice) => ({ type: 'billing.invoice.finalized' as const, invoice })),
      ),
    );
    // Changed since we wrote it (finalized through the API, say): the per-customer path knows
    // what to do, and its push finds the provider invoice we just made.
    if (!opened) return this.oneByOne(customersOf(ok), pass, outcomes);
    this.metrics.committed(finals.map((after, i) => ({ before: ok[i].draft, after })));
    for (const invoice of finals) outcomes.set(invoice.customerId, invoiced(invoice));
  }

  /** The per-customer path (`CustomerBiller`), a bounded number of customers at a time. */
  private async oneByOne(
    customers: Customer[],
    pass: PassBilling,
    outcomes: ChunkOutcomes,
  ): Promise<void> {
    await Promise.all(
      customers.map((customer) =>
        pass.perCustomer
          .execute(() => this.single.bill(customer, pass.period.id))
          .then(
            (outcome) => outcomes.set(customer.id, outcome),
            (error) => outcomes.set(customer.id, failedOutcome(error)),
          ),
      ),
    );
  }
}

/**
 * Runs `work` for `customers`; if it throws, every one of them without an outcome yet failed
 * with that error (those already settled, e.g. whose push failed, keep theirs).
 */
async function settle(
  outcomes: ChunkOutcomes,
  customers: readonly Customer[],
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    for (const c of customers) if (!outcomes.has(c.id)) outcomes.set(c.id, failedOutcome(error));
  }
}
