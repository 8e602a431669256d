import fc from 'fast-check';
import { Dec, currencyExponent, type Decimal } from '../common/money';
import { serializeBreakdown } from './breakdown.serializer';
import type { ChargeDefinition, PlanDocument, Tier } from './plan.types';
import { priceUsage } from './price-usage';

// Arbitraries build decimals from integers and a scale so no JS floating point is involved.

/** A non-negative decimal string with up to `scale` decimals and at most `max` integer value. */
function decimalString(max: bigint, scale: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.bigInt({ min: 0n, max: max * 10n ** BigInt(scale) }),
      fc.integer({ min: 0, max: scale }),
    )
    .map(([units, places]) =>
      new Dec(units.toString()).dividedBy(new Dec(10).pow(places)).toFixed(),
    );
}

const quantity = decimalString(2_000_000n, 6);
const unitAmount = decimalString(10n, 12);
const flatAmount = fc.option(decimalString(100n, 2), { nil: undefined });
const currency = fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'CLF');

/** 1-5 tiers with strictly ascending integer bounds and an unbounded last tier. */
const tiers: fc.Arbitrary<Tier[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 4 })
  .chain((bounds) => {
    const upTos = [...bounds].sort((a, b) => a - b);
    return fc.tuple(
      ...[...upTos, null].map((upTo) =>
        fc.record({ unitAmount, flatAmount }).map(({ unitAmount: u, flatAmount: f }) => {
          const tier: Tier = { upTo, unitAmount: u };
          if (f !== undefined) tier.flatAmount = f;
          return tier;
        }),
      ),
    );
  });

function plan(charge: ChargeDefinition, code = 'USD'): PlanDocument {
  return {
    id: 'p',
    name: 'P',
    currency: code,
    baseFee: '0',
    minimumCharge: '0',
    charges: [charge],
  };
}

function lineAmount(doc: PlanDocument, q: string): Decimal {
  const { lines } = priceUsage(doc, [{ endpoint: '/api/x', quantity: q, events: 1 }]);
  return lines[0].amount;
}

function orderedPair(a: string, b: string): [string, string] {
  return new Dec(a).lessThanOrEqualTo(new Dec(b)) ? [a, b] : [b, a];
}

describe('pricing properties', () => {
  it('graduated: the amount never decreases as quantity grows', () => {
    fc.assert(
      fc.property(tiers, quantity, quantity, (t, a, b) => {
        const doc = plan({
          id: 'c',
          endpoint: '*',
          aggregation: 'sum',
          model: 'graduated',
          tiers: t,
        });
        const [low, high] = orderedPair(a, b);
        expect(lineAmount(doc, low).lessThanOrEqualTo(lineAmount(doc, high))).toBe(true);
      }),
    );
  });

  it('per_unit: the amount never decreases as quantity grows', () => {
    fc.assert(
      fc.property(unitAmount, quantity, quantity, currency, (u, a, b, code) => {
        const doc = plan(
          { id: 'c', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: u },
          code,
        );
        const [low, high] = orderedPair(a, b);
        expect(lineAmount(doc, low).lessThanOrEqualTo(lineAmount(doc, high))).toBe(true);
      }),
    );
  });

  it('volume: amount = round(quantity x rate of its tier + that tier flat amount)', () => {
    fc.assert(
      fc.property(tiers, quantity, (t, q) => {
        const doc = plan({ id: 'c', endpoint: '*', aggregation: 'sum', model: 'volume', tiers: t });
        const qty = new Dec(q);
        const tier = t.find((x) => x.upTo === null || qty.lessThanOrEqualTo(new Dec(x.upTo)));
        if (!tier) throw new Error('the generator always ends with an unbounded tier');
        const expected = qty
          .times(new Dec(tier.unitAmount))
          .plus(new Dec(tier.flatAmount ?? '0'))
          .toDecimalPlaces(2, Dec.ROUND_HALF_UP);
        expect(lineAmount(doc, q).toFixed(2)).toBe(expected.toFixed(2));
      }),
    );
  });

  it('every serialized amount has exactly the decimals the currency allows', () => {
    const model = fc.constantFrom('graduated' as const, 'volume' as const);
    fc.assert(
      fc.property(
        tiers,
        model,
        quantity,
        currency,
        decimalString(1000n, 12),
        (t, m, q, code, fee) => {
          const doc: PlanDocument = {
            ...plan({ id: 'c', endpoint: '*', aggregation: 'sum', model: m, tiers: t }, code),
            baseFee: fee,
            minimumCharge: fee,
          };
          const json = serializeBreakdown(
            priceUsage(doc, [{ endpoint: '/api/x', quantity: q, events: 1 }], {
              baseFeeFactor: new Dec(1).dividedBy(3),
            }),
          );
          const digits = currencyExponent(code);
          const shape = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${digits}}$`);
          const amounts = [json.total, json.subtotal, json.baseFee, json.minimumTopUp];
          for (const line of json.lines) {
            amounts.push(line.amount);
            for (const tier of line.tiers) amounts.push(tier.amount, tier.flatAmount);
          }
          for (const amount of amounts) expect(amount).toMatch(shape);
        },
      ),
    );
  });

  it('total is the sum of rounded lines, base fee and top-up, and never below the minimum', () => {
    fc.assert(
      fc.property(tiers, quantity, decimalString(5000n, 2), (t, q, minimum) => {
        const doc: PlanDocument = {
          ...plan({ id: 'c', endpoint: '*', aggregation: 'sum', model: 'graduated', tiers: t }),
          baseFee: '10',
          minimumCharge: minimum,
        };
        const b = priceUsage(doc, [{ endpoint: '/x', quantity: q, events: 1 }]);
        expect(b.total.equals(b.lines[0].amount.plus(b.baseFee).plus(b.minimumTopUp))).toBe(true);
        expect(b.total.greaterThanOrEqualTo(new Dec(minimum))).toBe(true);
      }),
    );
  });
});
