import { Dec, ZERO } from '../../common/money';
import { isPositiveInteger } from '../plan-problems';
import type { ChargeBase } from '../charge.types';
import type { ChargeModelDefinition } from './charge-model';

export interface PackageCharge extends ChargeBase {
  model: 'package';
  packageSize: number;
  packageAmount: string;
  rounding: 'up' | 'down';
  freeUnits?: number;
}

export const packageModel: ChargeModelDefinition<PackageCharge> = {
  name: 'package',
  description:
    'Units beyond freeUnits sold in packages of packageSize at packageAmount; a partial package rounds up or down',
  fields: {
    packageSize: {
      type: 'integer',
      required: true,
      description: 'Units in one package',
      example: 1000,
    },
    packageAmount: {
      type: 'decimal',
      required: true,
      description: 'Price of one package',
      example: '5.00',
    },
    rounding: {
      type: 'string',
      enum: ['up', 'down'],
      required: true,
      description: 'Whether a partial package is charged in full (up) or not at all (down)',
      example: 'up',
    },
    freeUnits: {
      type: 'number',
      required: false,
      description: 'Units free before packages are counted; 0 when omitted',
      example: 0,
    },
  },
  validate(charge, path, problems) {
    if (!isPositiveInteger(charge.packageSize)) {
      problems.add(`${path}packageSize`, 'must be a positive integer');
    }
    problems.amount(charge, 'packageAmount', path);
    if (charge.rounding !== 'up' && charge.rounding !== 'down') {
      problems.add(`${path}rounding`, 'must be "up" or "down"');
    }
    const free = charge.freeUnits;
    if (free !== undefined && !(typeof free === 'number' && Number.isFinite(free) && free >= 0)) {
      problems.add(`${path}freeUnits`, 'must be a number greater than or equal to 0');
    }
  },
  price(charge, quantity) {
    const size = new Dec(charge.packageSize);
    const billable = quantity.minus(new Dec(charge.freeUnits ?? 0));
    if (billable.lessThanOrEqualTo(0)) return { amount: ZERO, tiers: [] };
    // divToInt + mod instead of ceil(billable / size): a quotient like 10/3 is not exact in decimal.
    const whole = billable.dividedToIntegerBy(size);
    const partial = !billable.modulo(size).isZero();
    const packages = charge.rounding === 'up' && partial ? whole.plus(1) : whole;
    return { amount: packages.times(new Dec(charge.packageAmount)), tiers: [] };
  },
};
