import { Dec, type Decimal } from '../common/money';
import { periodOf } from '../common/time/period';

export const ALERT_METRICS = ['spend', 'units', 'credit_balance'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const ALERT_WINDOWS = ['period', 'day'] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];

/** A customer's alert as stored. Values are decimal strings. */
export interface Alert {
  alertId: string;
  customerId: string;
  metric: AlertMetric;
  /** `units` only: the exact endpoint path counted; null counts all usage. */
  endpoint: string | null;
  /**
   * `spend` and `units` (period window): only the lines of this plan charge (its amount, or its
   * priced quantity); null (or absent, alerts stored before) for all of them.
   */
  chargeId?: string | null;
  thresholds: { value: string; code: string | null }[];
  /** Another threshold every this much beyond the last listed one; null for none. */
  recurringEvery: string | null;
  window: AlertWindow;
  currency: string;
  createdAt: string;
}

/** That a threshold fired in a window: at most one per (alert, window, threshold index). */
export interface AlertTrigger {
  /** Unique per firing: a re-arm deletes exactly the firing it read. */
  triggerId: string;
  alertId: string;
  windowId: string;
  index: number;
  threshold: string;
  value: string;
  crossedBy: string;
  triggeredAt: string;
}

export interface Threshold {
  index: number;
  value: Decimal;
  code: string | null;
}

/** The window an instant falls in: its UTC month (`YYYY-MM`) or UTC day (`YYYY-MM-DD`). */
export function windowOf(window: AlertWindow, at: Date): { id: string; start: Date; end: Date } {
  if (window === 'period') return periodOf(at);
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return {
    id: start.toISOString().slice(0, 10),
    start,
    end: new Date(start.getTime() + 86_400_000),
  };
}

/** Recurring thresholds looked at in one evaluation at most (a bound on one event's work). */
export const MAX_RECURRING_PER_EVALUATION = 1000;

/**
 * The thresholds a value has crossed: listed ones (`spend`, `units`: value ≥ threshold;
 * `credit_balance`: value < threshold), then, for rising metrics, the recurring ones beyond the
 * last listed threshold up to the value (expanded lazily, never stored).
 */
export function crossedThresholds(alert: Alert, value: Decimal): Threshold[] {
  const listed = alert.thresholds.map((t, index) => ({
    index,
    value: new Dec(t.value),
    code: t.code,
  }));
  if (alert.metric === 'credit_balance') return listed.filter((t) => value.lessThan(t.value));
  const crossed = listed.filter((t) => value.greaterThanOrEqualTo(t.value));
  if (alert.recurringEvery !== null && listed.length > 0) {
    const step = new Dec(alert.recurringEvery);
    const last = listed[listed.length - 1].value;
    const count = Math.min(
      value.minus(last).dividedToIntegerBy(step).toNumber(),
      MAX_RECURRING_PER_EVALUATION,
    );
    for (let k = 1; k <= count; k++) {
      crossed.push({ index: listed.length + k - 1, value: last.plus(step.times(k)), code: null });
    }
  }
  return crossed;
}

/** Whether a threshold (by its value) is crossed by `value`, in the metric's direction. */
export function isCrossed(alert: Alert, threshold: Decimal, value: Decimal): boolean {
  return alert.metric === 'credit_balance'
    ? value.lessThan(threshold)
    : value.greaterThanOrEqualTo(threshold);
}
