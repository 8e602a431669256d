import { ZERO, sumDecimals } from '../../common/money';
import type { ChargeModelDefinition } from './charge-model';
import { TIERS_FIELD, bounds, row, validateTiers, type TieredCharge } from './tiers';

export type VolumeCharge = TieredCharge<'volume'>;

/** The whole quantity at the rate of the single tier it falls in (upTo inclusive). */
export const volumeModel: ChargeModelDefinition<VolumeCharge> = {
  name: 'volume',
  description:
    'The whole quantity at the rate (and flatAmount) of the one tier it falls in, upTo inclusive',
  fields: { tiers: TIERS_FIELD },
  validate: (charge, path, problems) => validateTiers(charge.tiers, path, problems),
  price(charge, quantity) {
    const all = bounds(charge.tiers);
    // validateTiers guarantees an unbounded last tier, so some tier always matches.
    const selected = all.findIndex(
      (tier) => tier.to === null || quantity.lessThanOrEqualTo(tier.to),
    );
    const rows = all.map((tier, index) =>
      index === selected ? row(tier, quantity, tier.flatAmount) : row(tier, ZERO, ZERO),
    );
    return { amount: sumDecimals(rows.map((r) => r.amount)), tiers: rows };
  },
};
