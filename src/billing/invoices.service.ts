import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { parsePeriod } from '../common/time/period';
import { CustomersService } from '../customers/customers.service';
import { IdGenerator } from '../common/ids';
import type { BillingEvent, BillingEventType } from '../events/billing-event.model';
import { ChargesService } from '../pricing/charges.service';
import {
  InvalidInvoiceTransition,
  InvoiceNotFound,
  InvoiceWriteConflict,
  PeriodNotStarted,
} from './invoice.errors';
import { InvoiceAdjusters } from './invoice-adjusters';
import {
  type AppliedInvoiceCredit,
  type InvoiceCredit,
  withCredit,
  withoutCredit,
} from './invoice-credits';
import { InvoiceFinalizer } from './invoice-finalizer';
import { type InvoiceExplanation, explainInvoice } from './invoice-explanation';
import { invoiceAmounts, usageOnly } from './invoice-lines';
import {
  type Invoice,
  type InvoiceAmounts,
  type InvoicePayment,
  type InvoiceStatus,
  type ProviderInvoiceUpdate,
  canTransition,
  draftInvoice,
  finalizedInvoice,
  invoiceIdFor,
  isPeriodInvoice,
  nextRevision,
  thresholdInvoiceIdFor,
  withProviderUpdate,
} from './invoice.model';
import { InvoiceRecords } from './invoice-records';
import { type RecordPaymentInput, paymentOf, samePayment, withPayment } from './invoice-payments';
import { InvoiceMetrics } from './invoice.metrics';
import { InvoicesRepository } from './invoices.repository';
import type { TransactItem } from '../database/transact-item';
import { ProviderInvoicesService } from './provider-invoices.service';

const MAX_WRITE_ATTEMPTS = 5;

/**
 * What a change does: the invoice after it, its events, items of other modules' records, and
 * the audit operation when its status change does not name it.
 */
type Decide = (current: Invoice) => Promise<{
  next: Invoice;
  events?: BillingEventType[];
  /** Events that are not about the invoice as a whole (a payment recorded on it). */
  otherEvents?: BillingEvent[];
  extra?: TransactItem[];
  operation?: string;
}>;

/** Thrown out of `change` when a concurrent request marked the invoice uncollectible first. */
class AlreadyUncollectible extends Error {
  constructor() {
    super('already uncollectible');
  }
}

/** A payment recorded, or found again under its `paymentId`, and the invoice after it. */
export interface RecordedPayment {
  payment: InvoicePayment;
  invoice: Invoice;
  /** False when the same payment was recorded before (a retry). */
  created: boolean;
}

/** Thrown out of `change` when the payment exists already (a concurrent retry). */
class PaymentExists extends Error {
  constructor(readonly stored: InvoicePayment) {
    super('payment recorded already');
  }
}

/** What a credit or its reversal changed, for the caller's own items in the same transaction. */
export interface InvoiceCreditChange {
  before: Invoice;
  after: Invoice;
  /** Whether the credit reduced (or, reversed, gives back) `amountDue`. */
  reducesAmountDue: boolean;
}

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);

  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly charges: ChargesService,
    private readonly customers: CustomersService,
    private readonly finalizer: InvoiceFinalizer,
    private readonly adjusters: InvoiceAdjusters,
    private readonly provider: ProviderInvoicesService,
    private readonly records: InvoiceRecords,
    private readonly clock: Clock,
    private readonly metrics: InvoiceMetrics,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * The customer's invoice for the period: created as a draft from the period's charges, or the
   * existing one (`created: false`). The id is derived from customer and period, so concurrent
   * calls race on one conditional put and exactly one invoice exists.
   */
  async create(
    customerId: string,
    periodId: string,
  ): Promise<{ invoice: Invoice; created: boolean }> {
    const period = parsePeriod(periodId);
    const id = invoiceIdFor(customerId, period.id);
    const existing = await this.invoices.get(id);
    if (existing) return { invoice: existing, created: false };
    await this.customers.get(customerId);
    const now = this.clock.now();
    if (now < period.start) throw new PeriodNotStarted(period.id);

    const priced = invoiceAmounts(await this.charges.forPeriod(customerId, period.id));
    const number = await this.invoices.nextNumber(period.id);
    const { amounts } = await this.adjusters.apply(
      priced,
      { id, number, customerId, period: period.id },
      now.toISOString(),
      false,
    );
    const invoice = draftInvoice({
      customerId,
      period: period.id,
      number,
      amounts,
      at: now.toISOString(),
    });
    const created = await this.invoices.create(
      invoice,
      this.records.itemsFor([{ after: invoice }], [{ type: 'billing.invoice.created', invoice }]),
    );
    if (created) {
      this.metrics.committed([{ after: invoice }]);
      return { invoice, created: true };
    }
    const winner = await this.invoices.get(id);
    if (!winner) throw new InvoiceWriteConflict(id);
    return { invoice: winner, created: false };
  }

  /**
   * Issues the customer's threshold invoice number `threshold.index` of `period`: the usage of
   * the period so far (usage lines only: base fees and the minimum stay with the period's own
   * invoice), then every adjuster's part (what earlier threshold invoices billed is deducted,
   * credits pay first), finalized at once: in one transaction with its events and audit when
   * there is no payment provider; as a draft, pushed, then opened when there is (a push that
   * fails leaves the draft, and calling this again finishes it).
   *
   * The creating transaction holds only while the id is new, the period's usage is still open
   * (its own invoice has not closed it) and the caller's `extra` items (its threshold state,
   * conditioned on what it read) hold: `undefined` when one did not, nothing written, and the
   * caller reads again. An existing invoice under the id is answered as it is.
   */
  async issueThresholdInvoice(input: {
    customerId: string;
    period: string;
    threshold: { index: number; value: string };
    extra: TransactItem[];
  }): Promise<{ invoice: Invoice; created: boolean } | undefined> {
    const { customerId, period, threshold } = input;
    const id = thresholdInvoiceIdFor(customerId, period, threshold.index);
    const existing = await this.invoices.get(id);
    if (existing) {
      const invoice = existing.status === 'draft' ? await this.finalize(id) : existing;
      return { invoice, created: false };
    }
    const priced = usageOnly(invoiceAmounts(await this.charges.forPeriod(customerId, period)));
    const number = await this.invoices.nextNumber(period);
    const at = this.clock.now().toISOString();
    const ref = { id, number, customerId, period, billingReason: 'threshold' as const, threshold };
    const local = !this.provider.enabled;
    const { amounts, items } = await this.adjusters.apply(priced, ref, at, local);
    const draft = draftInvoice({ customerId, period, number, amounts, at, threshold });
    const stored = local ? finalizedInvoice(draft, null, at) : draft;
    const created = await this.invoices.createThresholdInvoice(stored, [
      ...this.records.itemsFor(
        [{ after: stored }],
        [
          { type: 'billing.invoice.created', invoice: draft },
          ...(local ? [{ type: 'billing.invoice.finalized' as const, invoice: stored }] : []),
        ],
      ),
      ...items,
      this.finalizer.periodOpenCheck(customerId, period),
      ...input.extra,
    ]);
    if (!created) return undefined;
    this.metrics.committed(
      local ? [{ after: draft }, { before: draft, after: stored }] : [{ after: draft }],
    );
    return { invoice: local ? stored : await this.finalize(id), created: true };
  }

  /** A period's threshold invoices, every customer (reports). */
  async thresholdInvoices(period: string): Promise<Invoice[]> {
    return this.invoices.getMany(await this.invoices.thresholdInvoiceIds(period));
  }

  /** Invoices by id, those that exist, in any order. */
  async getMany(invoiceIds: string[]): Promise<Invoice[]> {
    return this.invoices.getMany(invoiceIds, { consistent: true });
  }

  async get(invoiceId: string): Promise<Invoice> {
    const invoice = await this.invoices.get(invoiceId);
    if (!invoice) throw new InvoiceNotFound(invoiceId);
    return invoice;
  }

  /**
   * The invoices of `customerIds` for `period`, those that exist, in any order (reports): read by
   * key, since an invoice's id derives from its customer and period.
   */
  async forPeriod(customerIds: readonly string[], period: string): Promise<Invoice[]> {
    return this.invoices.getMany(customerIds.map((id) => invoiceIdFor(id, period)));
  }

  /**
   * Every line of the invoice explained: its period's charges priced again (`ChargesService
   * .explain`), matched line by line; a priced line that no longer matches (usage corrected after
   * the freeze) says so instead of explaining other numbers.
   */
  async explain(invoiceId: string): Promise<InvoiceExplanation> {
    const invoice = await this.get(invoiceId);
    return explainInvoice(invoice, await this.charges.explain(invoice.customerId, invoice.period));
  }

  async listForCustomer(customerId: string, limit: number, cursor?: string) {
    await this.customers.get(customerId);
    return this.invoices.listForCustomer(customerId, limit, cursor);
  }

  /** Recalculates a draft from the period's usage so far. */
  async refresh(invoiceId: string): Promise<Invoice> {
    return this.change(invoiceId, async (current) => {
      if (current.status !== 'draft') {
        throw new InvalidInvoiceTransition(invoiceId, current.status, 'draft');
      }
      const priced = invoiceAmounts(
        await this.charges.forPeriod(current.customerId, current.period),
      );
      const at = this.clock.now().toISOString();
      const { amounts } = await this.adjusters.apply(priced, current, at, false);
      return { next: { ...current, ...amounts } };
    });
  }

  /**
   * Freezes the period and the amounts, pushes the invoice to the payment provider (when one is
   * configured) and opens it. The period is closed first, so no usage can land between the final
   * calculation and the freeze (`InvoiceFinalizer`, the rules billing runs follow too). The
   * adjusters (prepaid credits) then take their part, committed in the transaction that opens
   * the invoice; if what they read moved in between (another invoice spent the same credit),
   * that transaction fails and the invoice is built again. If the provider is down the invoice
   * stays a draft and the call can simply be repeated: the push is idempotent on our ids.
   */
  async finalize(invoiceId: string): Promise<Invoice> {
    const draft = await this.get(invoiceId);
    if (draft.status !== 'draft')
      throw new InvalidInvoiceTransition(invoiceId, draft.status, 'open');
    // A threshold invoice keeps the usage it was issued for; the period stays open.
    const priced = isPeriodInvoice(draft)
      ? await this.finalizer.closeAndPrice(draft.customerId, parsePeriod(draft.period))
      : usageOnly(draft);
    return this.open(draft, priced);
  }

  /** Finalizes `draft` with `priced` and the adjusters' part (see `finalize`). */
  private async open(draft: Invoice, priced: InvoiceAmounts): Promise<Invoice> {
    const invoiceId = draft.id;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const at = this.clock.now().toISOString();
      const { amounts, items } = await this.adjusters.apply(priced, draft, at, true);
      const provider = await this.provider.push({ ...draft, ...amounts });
      const finalized = await this.changeOnce(invoiceId, async (current) => {
        if (current.status !== 'draft') {
          throw new InvalidInvoiceTransition(invoiceId, current.status, 'open');
        }
        const next = finalizedInvoice({ ...current, ...amounts }, provider, at);
        return { next, events: ['billing.invoice.finalized'], extra: items };
      });
      if (finalized) return finalized;
    }
    throw new InvoiceWriteConflict(invoiceId);
  }

  /** Voids a draft or open invoice, and its provider invoice when it has one. */
  async void(invoiceId: string): Promise<Invoice> {
    const invoice = await this.get(invoiceId);
    if (!canTransition(invoice.status, 'void')) {
      throw new InvalidInvoiceTransition(invoiceId, invoice.status, 'void');
    }
    await this.provider.void(invoice);
    return this.change(invoiceId, async (current) => {
      if (!canTransition(current.status, 'void'))
        throw new InvalidInvoiceTransition(invoiceId, current.status, 'void');
      const at = this.clock.now().toISOString();
      return {
        next: { ...current, status: 'void', voidedAt: at },
        events: ['billing.invoice.voided'],
      };
    });
  }

  /**
   * Moves an invoice forward (webhooks, payments). A transition the status machine forbids is a
   * 409 here; callers that must tolerate replays check `canTransition` first.
   */
  async transition(
    invoiceId: string,
    to: InvoiceStatus,
    apply: (current: Invoice, at: string) => Invoice = (current) => current,
  ): Promise<Invoice> {
    return this.change(invoiceId, async (current) => {
      if (!canTransition(current.status, to))
        throw new InvalidInvoiceTransition(invoiceId, current.status, to);
      return { next: { ...apply(current, this.clock.now().toISOString()), status: to } };
    });
  }

  /**
   * Applies what the payment provider reports (webhooks), forward only and in any order: a report
   * that changes nothing (a replay, a late "payment failed" after "paid") writes nothing and
   * returns `changed: false`. Becoming paid emits `billing.payment.processed` in the same
   * transaction as the invoice.
   */
  async applyProviderUpdate(
    invoiceId: string,
    update: ProviderInvoiceUpdate,
  ): Promise<{ invoice: Invoice; changed: boolean }> {
    // Thrown out of `change` to leave without writing; never escapes this method.
    const unchanged = new Error('nothing to apply');
    try {
      const invoice = await this.change(invoiceId, async (current) => {
        const next = withProviderUpdate(current, update);
        if (!next) throw unchanged;
        const events: BillingEventType[] = [];
        if (next.status === 'paid' && current.status !== 'paid') {
          events.push('billing.payment.processed');
        }
        if (next.status === 'void' && current.status !== 'void') {
          events.push('billing.invoice.voided');
        }
        return { next, events };
      });
      return { invoice, changed: true };
    } catch (error) {
      if (error !== unchanged) throw error;
      return { invoice: await this.get(invoiceId), changed: false };
    }
  }

  /**
   * Records a payment received outside any payment provider (`withPayment`: open or uncollectible
   * invoices, never beyond what is still due, `paid` once covered), in one transaction with its
   * audit record (`invoice.payment`) and `billing.payment.processed` (provider `manual`; and the
   * invoice's own `billing.payment.processed` when it becomes paid). Idempotent on `paymentId`:
   * the same payment again answers the stored one (`created: false`), a different one is a 409.
   */
  async recordPayment(invoiceId: string, input: RecordPaymentInput): Promise<RecordedPayment> {
    const invoice = await this.get(invoiceId);
    const request = paymentOf(
      invoice,
      input,
      input.paymentId ?? this.ids.next('pay'),
      this.clock.now(),
    );
    const stored = invoice.payments?.find((p) => p.id === request.id);
    if (stored) {
      return { payment: samePayment(invoiceId, stored, request), invoice, created: false };
    }
    try {
      const written = await this.change(invoiceId, async (current) => {
        const again = current.payments?.find((p) => p.id === request.id);
        if (again) throw new PaymentExists(again);
        const next = withPayment(current, request);
        const settled = next.status === 'paid' && current.status !== 'paid';
        return {
          next,
          events: settled ? ['billing.payment.processed'] : [],
          otherEvents: [this.records.paymentEvent(next, request)],
          operation: 'invoice.payment',
        };
      });
      await this.mirrorPayment(written);
      return { payment: request, invoice: written, created: true };
    } catch (error) {
      if (!(error instanceof PaymentExists)) throw error;
      return {
        payment: samePayment(invoiceId, error.stored, request),
        invoice: await this.get(invoiceId),
        created: false,
      };
    }
  }

  /**
   * The provider learns of an invoice paid here right away when it can; when it cannot (an
   * outage), `ManualPaymentProviderSubscriber` repeats it from the payment's event until it works.
   */
  private async mirrorPayment(invoice: Invoice): Promise<void> {
    try {
      await this.provider.payOutOfBand(invoice);
    } catch (error) {
      this.logger.warn(
        `Invoice ${invoice.id} paid here; the provider is told later: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Writes an open invoice off as uncollectible (it can still be paid later). Already
   * uncollectible: answered unchanged (`changed: false`); any other status is a 409.
   */
  async markUncollectible(invoiceId: string): Promise<{ invoice: Invoice; changed: boolean }> {
    const invoice = await this.get(invoiceId);
    if (invoice.status === 'uncollectible') return { invoice, changed: false };
    try {
      const written = await this.change(invoiceId, async (current) => {
        if (current.status === 'uncollectible') throw new AlreadyUncollectible();
        if (!canTransition(current.status, 'uncollectible')) {
          throw new InvalidInvoiceTransition(invoiceId, current.status, 'uncollectible');
        }
        const at = this.clock.now().toISOString();
        return { next: { ...current, status: 'uncollectible', markedUncollectibleAt: at } };
      });
      return { invoice: written, changed: true };
    } catch (error) {
      if (!(error instanceof AlreadyUncollectible)) throw error;
      return { invoice: await this.get(invoiceId), changed: false };
    }
  }

  /**
   * The invoice as `credit` would leave it, by the rules of `withCredit` (a refused credit
   * throws its domain error); nothing is written (credit-note previews).
   */
  async previewCredit(invoiceId: string, credit: InvoiceCredit): Promise<InvoiceCreditChange> {
    const before = await this.get(invoiceId);
    const { next, reducesAmountDue } = withCredit(before, credit, this.clock.now().toISOString());
    return { before, after: next, reducesAmountDue };
  }

  /**
   * Takes a credit note's amounts off the invoice (`withCredit`: creditable status, per-line and
   * total caps, `amountDue` reduced on an invoice still owed, settled when nothing is left), in
   * ONE transaction with the caller's `extra` items (the note, its audit record and events),
   * conditioned on the invoice's revision. `extra` is asked with the change it joins, so the
   * note can say what it did. One attempt: undefined when the transaction did not commit (the
   * invoice, or what an extra item is conditioned on, moved); the caller reads again and retries.
   */
  async credit(
    invoiceId: string,
    credit: InvoiceCredit,
    extra: (change: InvoiceCreditChange) => Promise<TransactItem[]>,
  ): Promise<{ invoice: Invoice; reducesAmountDue: boolean } | undefined> {
    let reduces = false;
    const invoice = await this.changeOnce(invoiceId, async (current) => {
      const at = this.clock.now().toISOString();
      const { next, reducesAmountDue } = withCredit(current, credit, at);
      reduces = reducesAmountDue;
      const settled = next.status === 'paid' && current.status !== 'paid';
      return {
        next,
        events: settled ? ['billing.payment.processed'] : [],
        extra: await extra({ before: current, after: next, reducesAmountDue }),
        operation: 'invoice.credit',
      };
    });
    return invoice && { invoice, reducesAmountDue: reduces };
  }

  /**
   * Takes back a credit `credit` applied (its credit note is voided), by `withoutCredit`, in one
   * transaction with `extra`, like `credit`; undefined when it did not commit.
   */
  async uncredit(
    invoiceId: string,
    credit: AppliedInvoiceCredit,
    extra: (change: InvoiceCreditChange) => Promise<TransactItem[]>,
  ): Promise<Invoice | undefined> {
    return this.changeOnce(invoiceId, async (current) => {
      const next = withoutCredit(current, credit);
      return {
        next,
        extra: await extra({
          before: current,
          after: next,
          reducesAmountDue: credit.reducesAmountDue,
        }),
        operation: 'invoice.uncredit',
      };
    });
  }

  /** Optimistic read-modify-write; the change's events go into the same transaction. */
  private async change(invoiceId: string, decide: Decide): Promise<Invoice> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const written = await this.changeOnce(invoiceId, decide);
      if (written) return written;
    }
    throw new InvoiceWriteConflict(invoiceId);
  }

  /**
   * One attempt of `change`: undefined when the transaction did not commit (the invoice, or
   * what `extra` items are conditioned on, moved since it was read).
   */
  private async changeOnce(invoiceId: string, decide: Decide): Promise<Invoice | undefined> {
    const current = await this.get(invoiceId);
    const { next, events = [], otherEvents = [], extra = [], operation } = await decide(current);
    const written = nextRevision(next, current, this.clock.now().toISOString());
    const items = [
      ...this.records.itemsFor(
        [{ before: current, after: written, operation }],
        events.map((type) => ({ type, invoice: written })),
        otherEvents,
      ),
      ...extra,
    ];
    if (!(await this.invoices.replace(written, current.revision, items))) return undefined;
    this.metrics.committed([{ before: current, after: written }]);
    return written;
  }
}
