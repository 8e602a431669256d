import { Dec } from '../common/money';
import { serializeBreakdown } from './breakdown.serializer';
import {
  CHARGE_MODEL_DEFINITIONS,
  CHARGE_MODEL_NAMES,
  chargeModel,
  createChargeModelRegistry,
} from './charge-model-registry';
import type { ChargeModelDefinition } from './charge-models/charge-model';
import type { ChargeBase } from './plan.types';
import { priceUsage } from './price-usage';
import { InvalidPlanError } from './pricing.errors';
import { parsePlan, validatePlan } from './validate-plan';

// The extension point: a model defined only here, registered in a registry built for the test,
// is validated and priced with no change to validatePlan or priceUsage.

interface CappedPerUnitCharge extends ChargeBase {
  model: 'capped_per_unit';
  unitAmount: string;
  maxAmount: string;
}

const cappedPerUnitModel: ChargeModelDefinition<CappedPerUnitCharge> = {
  name: 'capped_per_unit',
  description: 'Every unit at one price, never more than maxAmount per period',
  fields: {
    unitAmount: { type: 'decimal', required: true, description: 'Price of one unit' },
    maxAmount: { type: 'decimal', required: true, description: 'Most the charge can reach' },
  },
  validate(charge, path, problems) {
    problems.amount(charge, 'unitAmount', path);
    problems.amount(charge, 'maxAmount', path);
  },
  price(charge, quantity) {
    const uncapped = quantity.times(new Dec(charge.unitAmount));
    const cap = new Dec(charge.maxAmount);
    return { amount: uncapped.greaterThan(cap) ? cap : uncapped, tiers: [] };
  },
};

const registry = createChargeModelRegistry([...CHARGE_MODEL_DEFINITIONS, cappedPerUnitModel]);

const PRODUCTION_MODELS = ['per_unit', 'graduated', 'volume', 'package', 'flat'];

function planWith(...charges: Record<string, unknown>[]) {
  return {
    id: 'capped',
    name: 'Capped',
    currency: 'USD',
    baseFee: '0',
    minimumCharge: '0',
    charges,
  };
}

const capped = {
  id: 'calls',
  endpoint: '/api/search',
  aggregation: 'sum',
  model: 'capped_per_unit',
  unitAmount: '0.01',
  maxAmount: '50',
};

const graduated = {
  id: 'exports',
  endpoint: '/api/export',
  aggregation: 'sum',
  model: 'graduated',
  tiers: [
    { upTo: 10, unitAmount: '0' },
    { upTo: null, unitAmount: '1.5' },
  ],
};

describe('charge-model registry', () => {
  it('registers the production models in order, and nothing else', () => {
    expect(CHARGE_MODEL_NAMES).toEqual(PRODUCTION_MODELS);
    expect(chargeModel('volume')?.name).toBe('volume');
    expect(chargeModel('capped_per_unit')).toBeUndefined();
    expect(chargeModel('constructor')).toBeUndefined();
  });

  it('refuses two models with one name', () => {
    expect(() =>
      createChargeModelRegistry([
        ...CHARGE_MODEL_DEFINITIONS,
        cappedPerUnitModel,
        cappedPerUnitModel,
      ]),
    ).toThrow('Two charge models share a name');
  });

  it('accepts a plan using a registered extra model; production still refuses it', () => {
    const doc = planWith(capped, graduated);
    expect(validatePlan(doc, registry)).toEqual([]);
    expect(validatePlan(doc)).toEqual([
      {
        field: 'charges[0].model',
        message: 'must be one of per_unit, graduated, volume, package, flat',
      },
    ]);
  });

  it("rejects the extra model's bad, missing and unknown fields with the shared messages", () => {
    const { unitAmount: _omitted, ...withoutUnitAmount } = capped;
    const doc = planWith({ ...withoutUnitAmount, maxAmount: '-1', tiers: [] });
    expect(validatePlan(doc, registry)).toEqual([
      { field: 'charges[0].tiers', message: 'is not a known field' },
      { field: 'charges[0].unitAmount', message: 'is required' },
      { field: 'charges[0].maxAmount', message: 'must not be negative' },
    ]);
    expect(validatePlan(planWith({ ...capped, model: 'capped' }), registry)).toEqual([
      {
        field: 'charges[0].model',
        message: 'must be one of per_unit, graduated, volume, package, flat, capped_per_unit',
      },
    ]);
  });

  it('prices the extra model beside a production one', () => {
    const plan = parsePlan(planWith(capped, graduated), registry);
    const price = (search: string) =>
      serializeBreakdown(
        priceUsage(
          plan,
          [
            { endpoint: '/api/search', quantity: search, events: 1 },
            { endpoint: '/api/export', quantity: '12', events: 1 },
          ],
          { chargeModels: registry },
        ),
      );
    expect(price('1234.5')).toMatchObject({
      total: '15.35',
      lines: [
        {
          chargeId: 'calls',
          model: 'capped_per_unit',
          quantity: '1234.5',
          amount: '12.35',
          tiers: [],
        },
        { chargeId: 'exports', model: 'graduated', quantity: '12', amount: '3.00' },
      ],
    });
    expect(price('1000000')).toMatchObject({
      total: '53.00',
      lines: [
        { chargeId: 'calls', amount: '50.00' },
        { chargeId: 'exports', amount: '3.00' },
      ],
    });
  });

  it('does not price the extra model with the production registry', () => {
    const plan = parsePlan(planWith(capped), registry);
    expect(() => priceUsage(plan, [])).toThrow(InvalidPlanError);
    expect(() => parsePlan(planWith(capped))).toThrow(InvalidPlanError);
  });
});
