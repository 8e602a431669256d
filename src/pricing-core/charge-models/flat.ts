import { Dec } from '../../common/money';
import type { ChargeBase } from '../charge.types';
import type { ChargeModelDefinition } from './charge-model';

export interface FlatCharge extends ChargeBase {
  model: 'flat';
  amount: string;
}

export const flatModel: ChargeModelDefinition<FlatCharge> = {
  name: 'flat',
  description: 'A fixed amount per period, whatever the usage',
  fields: {
    amount: {
      type: 'decimal',
      required: true,
      description: 'Charged once per period',
      example: '10.00',
    },
  },
  validate: (charge, path, problems) => problems.amount(charge, 'amount', path),
  price: (charge) => ({ amount: new Dec(charge.amount), tiers: [] }),
};
