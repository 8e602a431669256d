import { formatMoney, type Decimal } from '../common/money';
import type { ChargeModel, PriceBreakdown } from './plan.types';

// The API shape (DESIGN §5): money as strings with exactly the currency's decimals, quantities and
// unit rates as plain decimal strings (a rate such as 0.008 must not be shown rounded to 0.01).

export interface TierBreakdownJson {
  from: string;
  to: string | null;
  quantity: string;
  unitAmount: string;
  flatAmount: string;
  amount: string;
}

export interface LineBreakdownJson {
  chargeId: string;
  endpoint: string;
  model: ChargeModel;
  quantity: string;
  amount: string;
  tiers: TierBreakdownJson[];
}

export interface PriceBreakdownJson {
  currency: string;
  total: string;
  subtotal: string;
  baseFee: string;
  minimumTopUp: string;
  lines: LineBreakdownJson[];
}

function plain(value: Decimal): string {
  return value.toFixed();
}

/**
 * Tier amounts are rounded here for display only, each on its own; the line amount is the rounding
 * of the exact sum, so the tiers shown can differ from the line by a minor unit.
 */
export function serializeBreakdown(breakdown: PriceBreakdown): PriceBreakdownJson {
  const { currency } = breakdown;
  const money = (value: Decimal) => formatMoney(value, currency);
  return {
    currency,
    total: money(breakdown.total),
    subtotal: money(breakdown.subtotal),
    baseFee: money(breakdown.baseFee),
    minimumTopUp: money(breakdown.minimumTopUp),
    lines: breakdown.lines.map((line) => ({
      chargeId: line.chargeId,
      endpoint: line.endpoint,
      model: line.model,
      quantity: plain(line.quantity),
      amount: money(line.amount),
      tiers: line.tiers.map((tier) => ({
        from: plain(tier.from),
        to: tier.to === null ? null : plain(tier.to),
        quantity: plain(tier.quantity),
        unitAmount: plain(tier.unitAmount),
        flatAmount: money(tier.flatAmount),
        amount: money(tier.amount),
      })),
    })),
  };
}
