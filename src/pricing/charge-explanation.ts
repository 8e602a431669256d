import {
  type Decimal,
  Dec,
  currencyExponent,
  formatMoney,
  roundToMinor,
  sumDecimals,
  ZERO,
} from '../common/money';
import type { Period } from '../common/time/period';
import {
  type ChargeDefinition,
  type LineBreakdown,
  type PriceBreakdown,
  matchesEndpoint,
} from '../pricing-core';
import type { TierBreakdownJson } from '../pricing-core/breakdown.serializer';
import type { UsageDayRow } from '../usage/usage-source';
import type { ChargeSegment } from './charge-segments';
import type { ChargesJson } from './charges.model';

/*
 * Why a customer was charged what they were, written out: each line of the period's charges with
 * the plan version and the stretch it was in force, the model's arithmetic, and the usage behind
 * it as day totals per endpoint (each with the read that shows that day's usage). Every number
 * is a decimal string; the day quantities of a line add up exactly to its quantity.
 */

const DAY_MS = 86_400_000;

/** A read of the usage API that shows one day's usage behind a line. */
export interface UsageLink {
  method: 'GET';
  path: string;
  query: { from: string; to: string; groupBy: 'endpoint' };
}

export interface ExplainedUsageDay {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  endpoint: string;
  /** What the line counted of this day: the quantity (`sum`) or the number of events (`count`). */
  quantity: string;
  /** Sum of the events' quantities, and their number. */
  usageQuantity: string;
  events: number;
  link: UsageLink;
}

export interface ExplainedLine {
  /** The invoice line this becomes (`L1`, …), numbered as invoices number them. */
  id: string;
  kind: 'usage' | 'base_fee' | 'minimum';
  description: string;
  /** Decimal string in the currency's minor unit: the line's amount. */
  amount: string;
  planId?: string;
  planVersion?: number;
  /** The stretch of the period this plan version was in force (ISO instants, [from, to)). */
  inForce?: { from: string; to: string };
  chargeId?: string;
  endpoint?: string;
  model?: string;
  aggregation?: string;
  quantity?: string;
  tiers?: TierBreakdownJson[];
  /** The arithmetic, one step a line: `9,000 × 0.01 = 90.00`. */
  arithmetic: string[];
  /** Usage lines: day totals per endpoint, adding up exactly to `quantity`. */
  usage?: ExplainedUsageDay[];
}

/** The charges of `ChargesJson`, each line explained. */
export interface ChargesExplanation extends Omit<ChargesJson, 'segments' | 'lines'> {
  segments: { planId: string; planVersion: number; from: string; to: string; days: string }[];
  lines: ExplainedLine[];
}

/** A segment of the period as priced: its version, breakdown, prorated minimum and usage days. */
export interface PricedSegment {
  segment: ChargeSegment;
  breakdown: PriceBreakdown;
  minimum: Decimal;
  days: UsageDayRow[];
}

/** `9000.5` → `9,000.5`: the integer part grouped by thousands, the decimals as they are. */
export function grouped(value: Decimal | string): string {
  const text = typeof value === 'string' ? value : value.toFixed();
  const [whole, fraction] = text.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const withCommas = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${withCommas}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** Money with the currency's decimals when that is exact, else every decimal it has. */
function exactMoney(value: Decimal, currency: string): string {
  return value.decimalPlaces() <= currencyExponent(currency)
    ? grouped(formatMoney(value, currency))
    : grouped(value);
}

/** A quotient shown to 10 decimals when it does not end sooner. */
function shownQuotient(value: Decimal): string {
  return value.decimalPlaces() <= 10 ? grouped(value) : `${grouped(value.toDecimalPlaces(10))}…`;
}

function roundingStep(exact: Decimal, rounded: Decimal, currency: string): string[] {
  return exact.equals(rounded)
    ? []
    : [
        `${exactMoney(exact, currency)} rounded half-up to ${grouped(formatMoney(rounded, currency))}`,
      ];
}

/** The model's arithmetic for one charge line. */
function chargeArithmetic(
  charge: ChargeDefinition | undefined,
  line: LineBreakdown,
  currency: string,
): string[] {
  const money = (d: Decimal) => exactMoney(d, currency);
  const q = grouped(line.quantity);
  const steps: string[] = [];
  if (line.tiers.length > 0) {
    for (const [index, tier] of line.tiers.entries()) {
      const range = `${grouped(tier.from)} – ${tier.to === null ? '∞' : grouped(tier.to)}`;
      const flat = tier.flatAmount.isZero() ? '' : ` + ${money(tier.flatAmount)}`;
      steps.push(
        `tier ${index + 1} (${range}): ${grouped(tier.quantity)} × ${grouped(tier.unitAmount)}${flat} = ${money(tier.amount)}`,
      );
    }
    if (line.tiers.length > 1) {
      steps.push(
        `${line.tiers.map((t) => money(t.amount)).join(' + ')} = ${money(line.exactAmount)}`,
      );
    }
  } else if (charge?.model === 'per_unit') {
    steps.push(`${q} × ${grouped(charge.unitAmount)} = ${money(line.exactAmount)}`);
  } else if (charge?.model === 'package') {
    const free = new Dec(charge.freeUnits ?? 0);
    const billable = line.quantity.minus(free);
    if (!free.isZero()) steps.push(`${q} − ${grouped(free)} free = ${grouped(billable)} billable`);
    if (billable.lessThanOrEqualTo(0)) {
      steps.push(`nothing billable = ${money(ZERO)}`);
    } else {
      const size = new Dec(charge.packageSize);
      const whole = billable.dividedToIntegerBy(size);
      const partial = !billable.modulo(size).isZero();
      const packages = charge.rounding === 'up' && partial ? whole.plus(1) : whole;
      steps.push(
        `${grouped(billable)} ÷ ${grouped(size)} per package = ${shownQuotient(billable.dividedBy(size))}, rounded ${charge.rounding} = ${grouped(packages)} packages`,
      );
      steps.push(
        `${grouped(packages)} × ${grouped(charge.packageAmount)} = ${money(line.exactAmount)}`,
      );
    }
  } else if (charge?.model === 'flat') {
    steps.push(`flat ${money(new Dec(charge.amount))} whatever the usage`);
  } else {
    steps.push(`${q} units (${line.model}) = ${money(line.exactAmount)}`);
  }
  return [...steps, ...roundingStep(line.exactAmount, line.amount, currency)];
}

function usageLink(customerId: string, date: string, segment: ChargeSegment): UsageLink {
  const dayStart = Date.parse(`${date}T00:00:00.000Z`);
  const from = Math.max(dayStart, segment.from.getTime());
  const to = Math.min(dayStart + DAY_MS, segment.to.getTime());
  return {
    method: 'GET',
    path: `/v1/customers/${encodeURIComponent(customerId)}/usage`,
    query: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groupBy: 'endpoint',
    },
  };
}

function usageDays(
  customerId: string,
  charge: ChargeDefinition | undefined,
  priced: PricedSegment,
): ExplainedUsageDay[] {
  if (!charge) return [];
  return priced.days
    .filter((row) => matchesEndpoint(charge.endpoint, row.endpoint))
    .sort((a, b) => a.day.localeCompare(b.day) || a.endpoint.localeCompare(b.endpoint))
    .map((row) => ({
      date: row.day,
      endpoint: row.endpoint,
      quantity:
        charge.aggregation === 'count' ? String(row.events) : new Dec(row.quantity).toFixed(),
      usageQuantity: new Dec(row.quantity).toFixed(),
      events: row.events,
      link: usageLink(customerId, row.day, priced.segment),
    }));
}

const daysOf = (from: Date, to: Date) => new Dec(to.getTime() - from.getTime()).dividedBy(DAY_MS);

/**
 * The explanation of a period's charges, from the same priced segments `ChargesService` prices
 * invoices with; line ids follow invoices' numbering (usage lines, base fees, minimum top-up).
 */
export function explainCharges(input: {
  customerId: string;
  period: Period;
  currency: string;
  segments: PricedSegment[];
  subtotal: Decimal;
  baseFee: Decimal;
  minimum: Decimal;
  minimumTopUp: Decimal;
  total: Decimal;
}): ChargesExplanation {
  const { currency, period, customerId } = input;
  const money = (d: Decimal) => formatMoney(d, currency);
  const periodDays = daysOf(period.start, period.end);
  const multiSegment = input.segments.length > 1;
  const lines: ExplainedLine[] = [];
  const nextId = () => `L${lines.length + 1}`;
  const inForce = (s: ChargeSegment) => ({ from: s.from.toISOString(), to: s.to.toISOString() });

  for (const priced of input.segments) {
    const { segment, breakdown } = priced;
    const plan = segment.planVersion;
    for (const line of breakdown.lines) {
      const charge = plan.document.charges.find((c) => c.id === line.chargeId);
      const usage = usageDays(customerId, charge, priced);
      lines.push({
        id: nextId(),
        kind: 'usage',
        description: `${line.chargeId} (${line.endpoint})${multiSegment ? ` — ${plan.planId} v${plan.version}` : ''}: ${line.quantity.toFixed()} units`,
        amount: money(line.amount),
        planId: plan.planId,
        planVersion: plan.version,
        inForce: inForce(segment),
        chargeId: line.chargeId,
        endpoint: line.endpoint,
        model: line.model,
        aggregation: charge?.aggregation,
        quantity: line.quantity.toFixed(),
        tiers: line.tiers.map((tier) => ({
          from: tier.from.toFixed(),
          to: tier.to === null ? null : tier.to.toFixed(),
          quantity: tier.quantity.toFixed(),
          unitAmount: tier.unitAmount.toFixed(),
          flatAmount: money(tier.flatAmount),
          amount: money(tier.amount),
        })),
        arithmetic: [
          ...(usage.length > 1
            ? [
                `${usage.map((d) => grouped(d.quantity)).join(' + ')} = ${grouped(line.quantity)} ${charge?.aggregation === 'count' ? 'events' : 'units'}`,
              ]
            : []),
          ...chargeArithmetic(charge, line, currency),
        ],
        usage,
      });
    }
  }
  for (const { segment, breakdown } of input.segments) {
    if (breakdown.baseFee.isZero()) continue;
    const plan = segment.planVersion;
    const fee = new Dec(plan.document.baseFee);
    const days = daysOf(segment.from, segment.to);
    const exact = fee.times(days).dividedBy(periodDays);
    const prorated = !days.equals(periodDays);
    lines.push({
      id: nextId(),
      kind: 'base_fee',
      description: `Base fee, ${plan.planId} v${plan.version} (${segment.from.toISOString().slice(0, 10)} – ${segment.to.toISOString().slice(0, 10)})`,
      amount: money(breakdown.baseFee),
      planId: plan.planId,
      planVersion: plan.version,
      inForce: inForce(segment),
      arithmetic: prorated
        ? [
            `${grouped(fee.toFixed())} × ${grouped(days)} / ${grouped(periodDays)} days in force = ${shownQuotient(exact)}`,
            ...roundingStep(exact, breakdown.baseFee, currency),
          ]
        : [`${exactMoney(fee, currency)} for the whole period`],
    });
  }
  if (!input.minimumTopUp.isZero()) {
    const parts = input.segments.map(({ segment }) => {
      const plan = segment.planVersion;
      const days = daysOf(segment.from, segment.to);
      return `${grouped(plan.document.minimumCharge)} × ${grouped(days)} / ${grouped(periodDays)} (${plan.planId} v${plan.version})`;
    });
    const exactMinimum = sumDecimals(
      input.segments.map(({ segment }) =>
        new Dec(segment.planVersion.document.minimumCharge)
          .times(daysOf(segment.from, segment.to))
          .dividedBy(periodDays),
      ),
    );
    lines.push({
      id: nextId(),
      kind: 'minimum',
      description: 'Minimum charge top-up',
      amount: money(input.minimumTopUp),
      arithmetic: [
        `minimum: ${parts.join(' + ')} = ${shownQuotient(exactMinimum)}`,
        ...roundingStep(exactMinimum, roundToMinor(exactMinimum, currency), currency),
        `${grouped(money(input.minimum))} minimum − ${grouped(money(input.subtotal))} charged = ${grouped(money(input.minimumTopUp))} top-up`,
      ],
    });
  }
  return {
    customerId,
    period: period.id,
    from: period.start.toISOString(),
    to: period.end.toISOString(),
    currency,
    total: money(input.total),
    subtotal: money(input.subtotal),
    baseFee: money(input.baseFee),
    minimumTopUp: money(input.minimumTopUp),
    segments: input.segments.map(({ segment }) => ({
      planId: segment.planVersion.planId,
      planVersion: segment.planVersion.version,
      from: segment.from.toISOString(),
      to: segment.to.toISOString(),
      days: daysOf(segment.from, segment.to).toFixed(),
    })),
    lines,
  };
}
