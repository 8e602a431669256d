import { Injectable } from '@nestjs/common';
import { Dec, formatMoney, maxDecimal, roundToMinor, sumDecimals, ZERO } from '../common/money';
import { Clock } from '../common/time/clock';
import { type Period, parsePeriod, periodOf } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import { CustomersService } from '../customers/customers.service';
import type { PlanVersion } from '../plans/plan.model';
import { PlansService } from '../plans/plans.service';
import { type LineBreakdownJson, priceUsage, serializeBreakdown } from '../pricing-core';
import { chargeSegments } from './charge-segments';
import { UsageSource } from '../usage/usage-source';

export interface ChargeLineJson extends LineBreakdownJson {
  planId: string;
  planVersion: number;
}

export interface ChargesJson {
  customerId: string;
  period: string;
  from: string;
  to: string;
  currency: string;
  total: string;
  subtotal: string;
  baseFee: string;
  minimumTopUp: string;
  lines: ChargeLineJson[];
  segments: {
    planId: string;
    planVersion: number;
    from: string;
    to: string;
    baseFee: string;
    subtotal: string;
  }[];
}

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
    const customerId = customer.id;
    const period: Period = periodId ? parsePeriod(periodId) : periodOf(this.clock.now());
    const planIds = [...new Set(customer.planHistory.map((a) => a.planId))];
    const versionsByPlan = new Map<string, PlanVersion[]>(
      await Promise.all(
        planIds.map(async (id) => [id, await versions(id)] as [string, PlanVersion[]]),
      ),
    );
    const segments = chargeSegments(period, customer.planHistory, versionsByPlan);
    const periodLength = new Dec(period.end.getTime() - period.start.getTime());
    const currency = customer.currency;

    const priced = await Promise.all(
      segments.map(async (segment) => {
        const rows = await this.usage.usageByEndpoint(customerId, segment.from, segment.to);
        const factor = new Dec(segment.to.getTime() - segment.from.getTime()).dividedBy(
          periodLength,
        );
        const document = segment.planVersion.document;
        const breakdown = priceUsage({ ...document, minimumCharge: '0' }, rows, {
          baseFeeFactor: factor,
        });
        return {
          segment,
          factor,
          breakdown,
          minimum: new Dec(document.minimumCharge).times(factor),
        };
      }),
    );

    const subtotal = sumDecimals(priced.map((p) => p.breakdown.subtotal));
    const baseFee = sumDecimals(priced.map((p) => p.breakdown.baseFee));
    const minimum = roundToMinor(sumDecimals(priced.map((p) => p.minimum)), currency);
    const minimumTopUp = maxDecimal(ZERO, minimum.minus(subtotal));
    const money = (d: typeof subtotal) => formatMoney(d, currency);

    return {
      customerId,
      period: period.id,
      from: period.start.toISOString(),
      to: period.end.toISOString(),
      currency,
      total: money(subtotal.plus(minimumTopUp)),
      subtotal: money(subtotal),
      baseFee: money(baseFee),
      minimumTopUp: money(minimumTopUp),
      lines: priced.flatMap(({ segment, breakdown }) =>
        serializeBreakdown(breakdown).lines.map((line) => ({
          ...line,
          planId: segment.planVersion.planId,
          planVersion: segment.planVersion.version,
        })),
      ),
      segments: priced.map(({ segment, breakdown }) => ({
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
