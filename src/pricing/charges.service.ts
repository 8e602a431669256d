import { Injectable } from '@nestjs/common';
import {
  Dec,
  type Decimal,
  formatMoney,
  maxDecimal,
  roundToMinor,
  sumDecimals,
  ZERO,
} from '../common/money';
import { Clock } from '../common/time/clock';
import { type Period, parsePeriod, periodOf } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import { CustomersService } from '../customers/customers.service';
import type { PlanVersion } from '../plans/plan.model';
import { PlansService } from '../plans/plans.service';
import { priceUsage, serializeBreakdown, type UsageRow } from '../pricing-core';
import { type ChargeSegment, chargeSegments } from './charge-segments';
import { type UsageDayRow, UsageSource } from '../usage/usage-source';
import { type ChargesExplanation, explainCharges } from './charge-explanation';
import type { ChargesJson } from './charges.model';

export type { ChargeLineJson, ChargesJson } from './charges.model';

/** Where pricing reads a plan's versions: the store on every call, or a billing run's cache. */
export type PlanVersionSource = (planId: string) => Promise<PlanVersion[]>;

@Injectable()
export class ChargesService {
  constructor(
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly usage: UsageSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Prices a customer's usage in a period (so far) with the plan versions in force at each moment.
   * A plan change splits the period: each stretch is priced on its own with its version, the base
   * fee and the minimum charge prorated by the stretch's share of the period (time-weighted, i.e.
   * by days including fractions of a day).
   */
  async forPeriod(customerId: string, periodId?: string): Promise<ChargesJson> {
    const customer = await this.customers.get(customerId);
    return this.forCustomer(customer, periodId, (planId) => this.plans.listVersions(planId));
  }

  /**
   * `forPeriod` for a customer the caller has already read, with plan versions from `versions`:
   * billing runs price thousands of customers from the listing they walk and a cache of versions
   * (`cachedVersions`), instead of reading both again for every customer.
   */
  async forCustomer(
    customer: Customer,
    periodId: string | undefined,
    versions: PlanVersionSource,
  ): Promise<ChargesJson> {
    const usage = await this.periodUsage(customer, periodId, versions);
    const { period, currency } = usage;
    const priced = priceSegments(usage, []);
    const money = (d: Decimal) => formatMoney(d, currency);
    return {
      customerId: customer.id,
      period: period.id,
      from: period.start.toISOString(),
      to: period.end.toISOString(),
      currency,
      total: money(priced.total),
      subtotal: money(priced.subtotal),
      baseFee: money(priced.baseFee),
      minimumTopUp: money(priced.minimumTopUp),
      lines: priced.segments.flatMap(({ segment, breakdown }) =>
        serializeBreakdown(breakdown).lines.map((line) => ({
          ...line,
          planId: segment.planVersion.planId,
          planVersion: segment.planVersion.version,
        })),
      ),
      segments: priced.segments.map(({ segment, breakdown }) => ({
        planId: segment.planVersion.planId,
        planVersion: segment.planVersion.version,
        from: segment.from.toISOString(),
        to: segment.to.toISOString(),
        baseFee: money(breakdown.baseFee),
        subtotal: money(breakdown.subtotal),
      })),
    };
  }

  /**
   * Why the period's charges are what they are (`explainCharges`): priced exactly as
   * `forPeriod` prices them, from usage read once per plan segment split by day and endpoint, so
   * the days shown add up to every line's quantity by construction.
   */
  async explain(customerId: string, periodId?: string): Promise<ChargesExplanation> {
    const customer = await this.customers.get(customerId);
    // Per segment, keyed by its start: segments are read concurrently.
    const days = new Map<number, UsageDayRow[]>();
    const usage = await this.periodUsage(
      customer,
      periodId,
      (planId) => this.plans.listVersions(planId),
      async (from, to) => {
        const rows = await this.usage.usageByDayAndEndpoint(customer.id, from, to);
        days.set(from.getTime(), rows);
        return endpointRows(rows);
      },
    );
    const priced = priceSegments(usage, []);
    return explainCharges({
      customerId: customer.id,
      period: usage.period,
      currency: usage.currency,
      segments: priced.segments.map((p) => ({
        ...p,
        days: days.get(p.segment.from.getTime()) ?? [],
      })),
      subtotal: priced.subtotal,
      baseFee: priced.baseFee,
      minimum: priced.minimum,
      minimumTopUp: priced.minimumTopUp,
      total: priced.total,
    });
  }

  /**
   * The period's priced total as usage is added to it, for deciding on usage before it is
   * recorded (prepaid-credit blocking): the usage so far is read once, then each call prices in
   * memory, exactly as `forCustomer` would once that usage were recorded.
   */
  async totalWithUsage(
    customer: Customer,
    periodId: string,
    versions: PlanVersionSource,
  ): Promise<(added: readonly UsageAddition[]) => Decimal> {
    const usage = await this.periodUsage(customer, periodId, versions);
    return (added) => priceSegments(usage, added).total;
  }

  /** The plan segments of the period with the usage recorded in each. */
  private async periodUsage(
    customer: Customer,
    periodId: string | undefined,
    versions: PlanVersionSource,
    read: (from: Date, to: Date) => Promise<UsageRow[]> = (from, to) =>
      this.usage.usageByEndpoint(customer.id, from, to),
  ): Promise<PeriodUsage> {
    const period: Period = periodId ? parsePeriod(periodId) : periodOf(this.clock.now());
    const planIds = [...new Set(customer.planHistory.map((a) => a.planId))];
    const versionsByPlan = new Map<string, PlanVersion[]>(
      await Promise.all(
        planIds.map(async (id) => [id, await versions(id)] as [string, PlanVersion[]]),
      ),
    );
    const segments = chargeSegments(period, customer.planHistory, versionsByPlan);
    return {
      period,
      currency: customer.currency,
      segments: await Promise.all(
        segments.map(async (segment) => ({
          segment,
          rows: await read(segment.from, segment.to),
        })),
      ),
    };
  }

  /**
   * A version source that reads each plan once and then answers from memory, for one billing
   * run. Versions never change once written, and a new one cannot take effect in the past (beyond
   * a minute of clock-skew grace), so a period that has ended prices the same from the cache as
   * from the store. A failed read is not kept: the next customer on that plan reads again.
   */
  cachedVersions(): PlanVersionSource {
    const cache = new Map<string, Promise<PlanVersion[]>>();
    return (planId) => {
      let versions = cache.get(planId);
      if (!versions) {
        versions = this.plans.listVersions(planId);
        cache.set(planId, versions);
        void versions.catch(() => cache.delete(planId));
      }
      return versions;
    };
  }
}

/** Usage not recorded yet, priced as if it were (see `totalWithUsage`). */
export interface UsageAddition {
  endpoint: string;
  /** Decimal string. */
  quantity: string;
  /** ISO instant: decides the plan segment it falls in. */
  timestamp: string;
}

interface PeriodUsage {
  period: Period;
  currency: string;
  segments: { segment: ChargeSegment; rows: UsageRow[] }[];
}

/**
 * Prices each plan segment of the period on its own with its version, the base fee and the
 * minimum charge prorated by the segment's share of the period (time-weighted); `added` usage
 * joins the segment its timestamp falls in.
 */
function priceSegments(usage: PeriodUsage, added: readonly UsageAddition[]) {
  const { period, currency } = usage;
  const periodLength = new Dec(period.end.getTime() - period.start.getTime());
  const segments = usage.segments.map(({ segment, rows }) => {
    const inSegment = added.filter((a) => {
      const at = Date.parse(a.timestamp);
      return at >= segment.from.getTime() && at < segment.to.getTime();
    });
    const factor = new Dec(segment.to.getTime() - segment.from.getTime()).dividedBy(periodLength);
    const document = segment.planVersion.document;
    const breakdown = priceUsage({ ...document, minimumCharge: '0' }, withAdded(rows, inSegment), {
      baseFeeFactor: factor,
    });
    return { segment, breakdown, minimum: new Dec(document.minimumCharge).times(factor) };
  });
  const subtotal = sumDecimals(segments.map((p) => p.breakdown.subtotal));
  const baseFee = sumDecimals(segments.map((p) => p.breakdown.baseFee));
  const minimum = roundToMinor(sumDecimals(segments.map((p) => p.minimum)), currency);
  const minimumTopUp = maxDecimal(ZERO, minimum.minus(subtotal));
  return {
    segments,
    subtotal,
    baseFee,
    minimum,
    minimumTopUp,
    total: subtotal.plus(minimumTopUp),
  };
}

/** Day rows summed per endpoint: what pricing reads. */
function endpointRows(days: readonly UsageDayRow[]): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const day of days) {
    const row = rows.get(day.endpoint);
    rows.set(day.endpoint, {
      endpoint: day.endpoint,
      quantity: row ? new Dec(row.quantity).plus(day.quantity).toFixed() : day.quantity,
      events: (row?.events ?? 0) + day.events,
    });
  }
  return [...rows.values()];
}

function withAdded(rows: UsageRow[], added: readonly UsageAddition[]): UsageRow[] {
  if (added.length === 0) return rows;
  const byEndpoint = new Map(rows.map((row) => [row.endpoint, { ...row }]));
  for (const a of added) {
    const row = byEndpoint.get(a.endpoint) ?? { endpoint: a.endpoint, quantity: '0', events: 0 };
    row.quantity = new Dec(row.quantity).plus(a.quantity).toFixed();
    row.events += 1;
    byEndpoint.set(a.endpoint, row);
  }
  return [...byEndpoint.values()];
}
