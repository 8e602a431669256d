import { Dec } from '../common/money';
import type { PlanDocument } from './plan.types';
import { priceUsage } from './price-usage';
import { InvalidPlanError, InvalidPricingInputError } from './pricing.errors';
import { parsePlan } from './validate-plan';

// Amounts are covered by the JSON fixtures; this file covers what priceUsage refuses to price.

const plan: PlanDocument = {
  id: 'paid',
  name: 'Paid',
  currency: 'USD',
  baseFee: '0',
  minimumCharge: '0',
  charges: [
    { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '0.01' },
  ],
};

describe('priceUsage input checks', () => {
  it('refuses a plan that would leave units beyond the last tier unpriced', () => {
    const bounded: PlanDocument = {
      ...plan,
      charges: [
        {
          id: 'calls',
          endpoint: '*',
          aggregation: 'sum',
          model: 'graduated',
          tiers: [{ upTo: 1000, unitAmount: '0.01' }],
        },
      ],
    };
    expect(() => priceUsage(bounded, [])).toThrow(InvalidPlanError);
    try {
      priceUsage(bounded, []);
    } catch (error) {
      expect((error as InvalidPlanError).code).toBe('INVALID_PLAN');
      expect((error as InvalidPlanError).problems.map((p) => p.field)).toEqual([
        'charges[0].tiers[0].upTo',
      ]);
    }
  });

  it.each([
    [{ endpoint: '/x', quantity: '-1', events: 1 }, 'usage[0].quantity'],
    [{ endpoint: '/x', quantity: '1e3', events: 1 }, 'usage[0].quantity'],
    [{ endpoint: '/x', quantity: '1', events: -1 }, 'usage[0].events'],
    [{ endpoint: '/x', quantity: '1', events: 1.5 }, 'usage[0].events'],
  ])('rejects usage row %p', (row, field) => {
    expect(() => priceUsage(plan, [row])).toThrow(InvalidPricingInputError);
    expect(() => priceUsage(plan, [row])).toThrow(field);
  });

  it.each(['-0.1', '1.01'])('rejects a base fee factor of %s', (factor) => {
    expect(() => priceUsage(plan, [], { baseFeeFactor: new Dec(factor) })).toThrow(
      InvalidPricingInputError,
    );
  });

  it('parsePlan returns the typed plan or throws with every problem', () => {
    expect(parsePlan(plan)).toBe(plan);
    expect(() => parsePlan({ ...plan, currency: 'usd', baseFee: '-1' })).toThrow(InvalidPlanError);
  });
});
