import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ValidationFailed } from '../common/errors/domain-error';
import { Dec, formatMoney, moneyInput } from '../common/money';
import { Clock } from '../common/time/clock';
import { periodOf, previousPeriod } from '../common/time/period';
import { CustomersService } from '../customers/customers.service';
import { type Invoice, thresholdInvoiceIdFor } from '../billing/invoice.model';
import { InvoicesService } from '../billing/invoices.service';
import { ChargesService } from '../pricing/charges.service';
import { UsagePeriods } from '../usage/usage-periods.service';
import type { PutBillingThresholdsDto } from './billing-thresholds.dto';
import { BillingThresholdsNotFound } from './billing-thresholds.errors';
import {
  type BillingThresholds,
  type BillingThresholdsView,
  type ThresholdPeriodState,
  highestReached,
  thresholdValue,
} from './billing-thresholds.model';
import { BillingThresholdsRepository } from './billing-thresholds.repository';

const MAX_ATTEMPTS = 5;
/** How long an instance reuses a customer's thresholds (or that it has none) on the hot path. */
export const THRESHOLDS_CACHE_MS = 10_000;

@Injectable()
export class BillingThresholdsService {
  private readonly logger = new Logger(BillingThresholdsService.name);
  private readonly cache = new Map<string, { at: number; thresholds?: BillingThresholds }>();

  constructor(
    private readonly repository: BillingThresholdsRepository,
    private readonly customers: CustomersService,
    private readonly charges: ChargesService,
    private readonly invoices: InvoicesService,
    private readonly periods: UsagePeriods,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Sets (or replaces) the customer's thresholds; `created` when it had none. */
  async put(
    customerId: string,
    input: PutBillingThresholdsDto,
  ): Promise<{ view: BillingThresholdsView; created: boolean }> {
    const customer = await this.customers.get(customerId);
    const currency = customer.currency;
    const amounts = input.amounts.map((a, i) => moneyInput(a, currency, `amounts[${i}]`));
    amounts.forEach((amount, i) => {
      if (i > 0 && !amount.greaterThan(amounts[i - 1])) {
        throw new ValidationFailed([
          {
            field: `amounts[${i}]`,
            messages: [`amounts[${i}] must be greater than amounts[${i - 1}]`],
          },
        ]);
      }
    });
    const every =
      input.recurringEvery === undefined
        ? null
        : moneyInput(input.recurringEvery, currency, 'recurringEvery');
    const before = await this.repository.get(customerId);
    const now = this.clock.now().toISOString();
    const thresholds: BillingThresholds = {
      customerId,
      currency,
      amounts: amounts.map((a) => formatMoney(a, currency)),
      recurringEvery: every ? formatMoney(every, currency) : null,
      blockWhenUnpaidAfter: input.blockWhenUnpaidAfter ?? null,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    this.cache.delete(customerId);
    await this.repository.put(
      thresholds,
      this.audit.entries({
        operation: before ? 'billing_thresholds.updated' : 'billing_thresholds.created',
        entityType: 'billing_thresholds',
        entityId: customerId,
        before,
        after: thresholds,
      }),
    );
    // Usage recorded before reached no threshold check (customers without thresholds are not
    // watched): the current period is checked now, and billed at once if already past one.
    await this.evaluate(customerId, periodOf(this.clock.now()).id);
    return { view: await this.view(thresholds), created: !before };
  }

  async get(customerId: string): Promise<BillingThresholdsView> {
    await this.customers.get(customerId);
    const thresholds = await this.repository.get(customerId);
    if (!thresholds) throw new BillingThresholdsNotFound(customerId);
    return this.view(thresholds);
  }

  /** Removes the thresholds; threshold invoices already issued stay as they are. */
  async delete(customerId: string): Promise<void> {
    await this.customers.get(customerId);
    const before = await this.repository.get(customerId);
    if (!before) throw new BillingThresholdsNotFound(customerId);
    this.cache.delete(customerId);
    const deleted = await this.repository.delete(
      customerId,
      this.audit.entries({
        operation: 'billing_thresholds.deleted',
        entityType: 'billing_thresholds',
        entityId: customerId,
        before,
      }),
    );
    if (!deleted) throw new BillingThresholdsNotFound(customerId);
  }

  /**
   * After usage of `period` moved: when its usage spend reached a threshold beyond those
   * already billed, issues the threshold invoice of the highest one reached (one invoice, even
   * when one batch passed several). Exactly once per threshold and period: the invoice's id is
   * the threshold's, and it is written with the period's state advanced, conditioned on the
   * state read. Nothing once the period is closed (its own invoice bills the rest). Safe to
   * call again for the same usage (a redelivery finds the threshold billed).
   */
  async evaluate(customerId: string, period: string): Promise<Invoice | undefined> {
    const thresholds = await this.repository.get(customerId);
    if (!thresholds) return undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await this.periods.isClosed(customerId, period)) return undefined;
      const state = await this.repository.periodState(customerId, period);
      await this.finishPending(state);
      // Usage spend: the subtotal less the base fees (the minimum is not usage either).
      const charges = await this.charges.forPeriod(customerId, period);
      const spend = new Dec(charges.subtotal).minus(charges.baseFee);
      const reached = highestReached(thresholds, spend);
      if (reached <= state.reached) return undefined;
      const value = thresholdValue(thresholds, reached)!;
      const issued = await this.invoices.issueThresholdInvoice({
        customerId,
        period,
        threshold: { index: reached, value: formatMoney(value, thresholds.currency) },
        extra: [this.repository.advance(state, reached, true)],
      });
      if (issued) {
        if (issued.created) {
          this.logger.log(
            `Threshold ${reached} (${formatMoney(value, thresholds.currency)}) of ${customerId} ${period} reached: invoice ${issued.invoice.id} for ${issued.invoice.total}`,
          );
        }
        return issued.invoice;
      }
    }
    throw new Error(`Threshold invoice of ${customerId} ${period}: the state kept moving`);
  }

  /**
   * A threshold invoice written as a draft whose push to the payment provider failed is opened
   * here, on the next check (the redelivered one, or the next usage): the period's state already
   * counts it, so nothing else would.
   */
  private async finishPending(state: ThresholdPeriodState): Promise<void> {
    const last = state.invoiced.at(-1);
    if (last === undefined) return;
    const id = this.invoiceId(state, last);
    const [invoice] = await this.invoices.getMany([id]);
    if (invoice?.status === 'draft') await this.invoices.finalize(id);
  }

  /**
   * The threshold invoices of `customerId` that stayed unpaid longer than its
   * `blockWhenUnpaidAfter` at `now` (current and previous period); empty when it has no such rule.
   */
  async overdue(thresholds: BillingThresholds, now: Date): Promise<Invoice[]> {
    if (thresholds.blockWhenUnpaidAfter === null) return [];
    const current = periodOf(now);
    const states = await this.repository.periodStates(
      [current, previousPeriod(current)].map((p) => ({
        customerId: thresholds.customerId,
        period: p.id,
      })),
    );
    const ids = states.flatMap((s) => s.invoiced.map((i) => this.invoiceId(s, i)));
    if (ids.length === 0) return [];
    const limit = now.getTime() - thresholds.blockWhenUnpaidAfter * 1000;
    return (await this.invoices.getMany(ids)).filter(
      (invoice) =>
        (invoice.status === 'open' || invoice.status === 'uncollectible') &&
        Date.parse(invoice.finalizedAt ?? invoice.createdAt) <= limit,
    );
  }

  /**
   * The thresholds of a customer, or undefined, as this instance read them at most 10 s ago
   * (at once after a change made here): for the hot path (usage gate).
   */
  async findCached(customerId: string): Promise<BillingThresholds | undefined> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(customerId);
    if (hit && now >= hit.at && now - hit.at < THRESHOLDS_CACHE_MS) return hit.thresholds;
    const thresholds = await this.repository.get(customerId);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(customerId, { at: now, thresholds });
    return thresholds;
  }

  /** The period's threshold invoices (not void), for the period invoice's deduction. */
  async billedIn(customerId: string, period: string, below?: number): Promise<Invoice[]> {
    const state = await this.repository.periodState(customerId, period);
    const indexes = state.invoiced.filter((i) => below === undefined || i < below);
    if (indexes.length === 0) return [];
    const invoices = await this.invoices.getMany(indexes.map((i) => this.invoiceId(state, i)));
    return invoices.filter((invoice) => invoice.status !== 'void').sort(byThresholdIndex);
  }

  private invoiceId(state: ThresholdPeriodState, index: number): string {
    return thresholdInvoiceIdFor(state.customerId, state.period, index);
  }

  private async view(thresholds: BillingThresholds): Promise<BillingThresholdsView> {
    const period = periodOf(this.clock.now()).id;
    const state = await this.repository.periodState(thresholds.customerId, period);
    const invoices = await this.invoices.getMany(
      state.invoiced.map((i) => this.invoiceId(state, i)),
    );
    return {
      thresholds,
      current: {
        ...state,
        invoices: invoices.sort(byThresholdIndex),
      },
    };
  }
}

const byThresholdIndex = (a: Invoice, b: Invoice) =>
  (a.threshold?.index ?? 0) - (b.threshold?.index ?? 0);
