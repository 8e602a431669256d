import type { Invoice } from '../billing/invoice.model';
import { Dec, type Decimal } from '../common/money';

/**
 * A customer's billing thresholds: when the usage spend of the current period reaches one, a
 * threshold invoice bills the spend so far (minus what earlier threshold invoices of the period
 * billed). `amounts` ascending; with `recurringEvery`, a further threshold every that much beyond
 * the last amount.
 */
export interface BillingThresholds {
  customerId: string;
  currency: string;
  /** Decimal strings in the customer's currency, strictly ascending, > 0. */
  amounts: string[];
  recurringEvery: string | null;
  /** Usage is refused while a threshold invoice is unpaid longer than this (seconds). */
  blockWhenUnpaidAfter: number | null;
  createdAt: string;
  updatedAt: string;
}

/** What has been billed at thresholds in one period of a customer. */
export interface ThresholdPeriodState {
  customerId: string;
  period: string;
  /** The highest threshold index (1-based) billed or passed; 0 before the first. */
  reached: number;
  /** The indexes that have a threshold invoice (`inv_<customer>_<period>_t<index>`), ascending. */
  invoiced: number[];
}

/** Recurring thresholds stop counting here: no period reaches a millionth threshold. */
const MAX_INDEX = 1_000_000;

/** The value of threshold `index` (1-based), or undefined beyond the last one. */
export function thresholdValue(config: BillingThresholds, index: number): Decimal | undefined {
  if (index < 1) return undefined;
  if (index <= config.amounts.length) return new Dec(config.amounts[index - 1]);
  if (!config.recurringEvery || index > MAX_INDEX) return undefined;
  const last = new Dec(config.amounts[config.amounts.length - 1]);
  return last.plus(new Dec(config.recurringEvery).times(index - config.amounts.length));
}

/** The highest threshold index whose value `spend` has reached (0 when none). */
export function highestReached(config: BillingThresholds, spend: Decimal): number {
  const listed = config.amounts.filter((a) => spend.greaterThanOrEqualTo(a)).length;
  if (listed < config.amounts.length || !config.recurringEvery) return listed;
  const last = new Dec(config.amounts[config.amounts.length - 1]);
  const beyond = spend.minus(last).dividedToIntegerBy(config.recurringEvery).toNumber();
  return Math.min(listed + beyond, MAX_INDEX);
}

/** A customer's thresholds with what the current period billed at them (the API's view). */
export interface BillingThresholdsView {
  thresholds: BillingThresholds;
  current: ThresholdPeriodState & { invoices: Invoice[] };
}
