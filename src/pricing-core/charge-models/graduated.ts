import { ZERO, sumDecimals } from '../../common/money';
import type { ChargeModelDefinition } from './charge-model';
import { TIERS_FIELD, bounds, row, validateTiers, type TieredCharge } from './tiers';

export type GraduatedCharge = TieredCharge<'graduated'>;

/**
 * Each tier prices its own share of the units. A tier is reached when the quantity goes past its
 * lower bound; the first tier is always reached, which is how Stripe charges its flat amount at
 * quantity 0.
 */
export const graduatedModel: ChargeModelDefinition<GraduatedCharge> = {
  name: 'graduated',
  description:
    "Each tier prices the units that fall in it; the first tier's flatAmount is charged even at quantity 0",
  fields: { tiers: TIERS_FIELD },
  validate: (charge, path, problems) => validateTiers(charge.tiers, path, problems),
  price(charge, quantity) {
    const rows = bounds(charge.tiers).map((tier, index) => {
      const reached = index === 0 || quantity.greaterThan(tier.from);
      if (!reached) return row(tier, ZERO, ZERO);
      const top = tier.to === null || quantity.lessThan(tier.to) ? quantity : tier.to;
      return row(tier, top.minus(tier.from), tier.flatAmount);
    });
    return { amount: sumDecimals(rows.map((r) => r.amount)), tiers: rows };
  },
};
