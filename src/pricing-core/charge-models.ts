import { Dec, ZERO, sumDecimals, type Decimal } from '../common/money';
import type { ChargeDefinition, PackageCharge, Tier, TierBreakdown } from './plan.types';

// Exact amounts for one charge at one quantity. Nothing here rounds: the caller rounds each line
// once, so a line never carries the error of several rounded tiers.

export interface ChargeAmount {
  amount: Decimal;
  tiers: TierBreakdown[];
}

interface TierBounds {
  from: Decimal;
  to: Decimal | null;
  unitAmount: Decimal;
  flatAmount: Decimal;
}

function bounds(tiers: readonly Tier[]): TierBounds[] {
  let from = ZERO;
  return tiers.map((tier) => {
    const to = tier.upTo === null ? null : new Dec(tier.upTo);
    const row = {
      from,
      to,
      unitAmount: new Dec(tier.unitAmount),
      flatAmount: new Dec(tier.flatAmount ?? '0'),
    };
    if (to !== null) from = to;
    return row;
  });
}

function row(tier: TierBounds, quantity: Decimal, flatAmount: Decimal): TierBreakdown {
  return {
    from: tier.from,
    to: tier.to,
    quantity,
    unitAmount: tier.unitAmount,
    flatAmount,
    amount: quantity.times(tier.unitAmount).plus(flatAmount),
  };
}

/**
 * Each tier prices its own share of the units. A tier is reached when the quantity goes past its
 * lower bound; the first tier is always reached, which is how Stripe charges its flat amount at
 * quantity 0.
 */
export function priceGraduated(tiers: readonly Tier[], quantity: Decimal): ChargeAmount {
  const rows = bounds(tiers).map((tier, index) => {
    const reached = index === 0 || quantity.greaterThan(tier.from);
    if (!reached) return row(tier, ZERO, ZERO);
    const top = tier.to === null || quantity.lessThan(tier.to) ? quantity : tier.to;
    return row(tier, top.minus(tier.from), tier.flatAmount);
  });
  return { amount: sumDecimals(rows.map((r) => r.amount)), tiers: rows };
}

/** The whole quantity at the rate of the single tier it falls in (upTo inclusive). */
export function priceVolume(tiers: readonly Tier[], quantity: Decimal): ChargeAmount {
  const all = bounds(tiers);
  // validatePlan guarantees an unbounded last tier, so some tier always matches.
  const selected = all.findIndex((tier) => tier.to === null || quantity.lessThanOrEqualTo(tier.to));
  const rows = all.map((tier, index) =>
    index === selected ? row(tier, quantity, tier.flatAmount) : row(tier, ZERO, ZERO),
  );
  return { amount: sumDecimals(rows.map((r) => r.amount)), tiers: rows };
}

export function pricePackage(charge: PackageCharge, quantity: Decimal): ChargeAmount {
  const size = new Dec(charge.packageSize);
  const billable = quantity.minus(new Dec(charge.freeUnits ?? 0));
  if (billable.lessThanOrEqualTo(0)) return { amount: ZERO, tiers: [] };
  // divToInt + mod instead of ceil(billable / size): a quotient like 10/3 is not exact in decimal.
  const whole = billable.dividedToIntegerBy(size);
  const partial = !billable.modulo(size).isZero();
  const packages = charge.rounding === 'up' && partial ? whole.plus(1) : whole;
  return { amount: packages.times(new Dec(charge.packageAmount)), tiers: [] };
}

export function priceCharge(charge: ChargeDefinition, quantity: Decimal): ChargeAmount {
  switch (charge.model) {
    case 'per_unit':
      return { amount: quantity.times(new Dec(charge.unitAmount)), tiers: [] };
    case 'graduated':
      return priceGraduated(charge.tiers, quantity);
    case 'volume':
      return priceVolume(charge.tiers, quantity);
    case 'package':
      return pricePackage(charge, quantity);
    case 'flat':
      return { amount: new Dec(charge.amount), tiers: [] };
  }
}
