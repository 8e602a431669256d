import { Dec } from '../../common/money';
import type { ChargeBase } from '../charge.types';
import type { ChargeModelDefinition } from './charge-model';

export interface PerUnitCharge extends ChargeBase {
  model: 'per_unit';
  unitAmount: string;
}

export const perUnitModel: ChargeModelDefinition<PerUnitCharge> = {
  name: 'per_unit',
  description: 'Every unit at one price',
  fields: {
    unitAmount: {
      type: 'decimal',
      required: true,
      description: 'Price of one unit',
      example: '0.002',
    },
  },
  validate: (charge, path, problems) => problems.amount(charge, 'unitAmount', path),
  price: (charge, quantity) => ({ amount: quantity.times(new Dec(charge.unitAmount)), tiers: [] }),
};
