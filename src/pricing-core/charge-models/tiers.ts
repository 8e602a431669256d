import { Dec, ZERO, type Decimal } from '../../common/money';
import { isObject, isPositiveInteger, type PlanProblems } from '../plan-problems';
import type { ChargeBase, Tier, TierBreakdown } from '../charge.types';
import type { ChargeModelField } from './charge-model';

// What the tiered models (graduated, volume) share: the tiers field, its checks and tier bounds.

export interface TieredCharge<M extends string = 'graduated' | 'volume'> extends ChargeBase {
  model: M;
  tiers: Tier[];
}

export const TIERS_FIELD: ChargeModelField = {
  type: 'tiers',
  required: true,
  description: 'Ascending tiers; upTo is inclusive and null on the last tier only',
};

const TIER_FIELDS = ['upTo', 'unitAmount', 'flatAmount'];

export function validateTiers(tiers: unknown, path: string, problems: PlanProblems): void {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    return problems.add(`${path}tiers`, 'must be a non-empty array');
  }
  let previous = 0;
  tiers.forEach((tier: unknown, index) => {
    const at = `${path}tiers[${index}].`;
    if (!isObject(tier)) return problems.add(`${path}tiers[${index}]`, 'must be an object');
    const last = index === tiers.length - 1;
    const { upTo } = tier;
    if (last && upTo !== null) {
      problems.add(`${at}upTo`, 'must be null on the last tier, so no units are left unpriced');
    } else if (!last && upTo === null) {
      problems.add(`${at}upTo`, 'may be null only on the last tier');
    } else if (upTo !== null && !isPositiveInteger(upTo)) {
      problems.add(`${at}upTo`, 'must be a positive integer or null');
    } else if (upTo !== null && upTo <= previous) {
      problems.add(`${at}upTo`, `must be greater than the previous tier's upTo (${previous})`);
    }
    if (isPositiveInteger(upTo)) previous = Math.max(previous, upTo);
    problems.amount(tier, 'unitAmount', at);
    problems.amount(tier, 'flatAmount', at, false);
    problems.unknownFields(tier, TIER_FIELDS, at);
  });
}

export interface TierBounds {
  from: Decimal;
  to: Decimal | null;
  unitAmount: Decimal;
  flatAmount: Decimal;
}

export function bounds(tiers: readonly Tier[]): TierBounds[] {
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

/** The breakdown row of one tier: `quantity` units at its rate plus the flat amount charged. */
export function row(tier: TierBounds, quantity: Decimal, flatAmount: Decimal): TierBreakdown {
  return {
    from: tier.from,
    to: tier.to,
    quantity,
    unitAmount: tier.unitAmount,
    flatAmount,
    amount: quantity.times(tier.unitAmount).plus(flatAmount),
  };
}
