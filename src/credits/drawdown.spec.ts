import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Dec, type Decimal, ZERO, sumDecimals } from '../common/money';
import {
  type DrawdownGrant,
  type UsagePiece,
  drawdown,
  inDrawdownOrder,
  pieceBoundaries,
} from './drawdown';

/*
 * Table-driven: every case of fixtures/drawdown.json runs here, so a new case is JSON only.
 * A case: { name, currency? (USD), period? ({start, end}, default 2026-11), charges: {usage,
 * fixed, due}, grants: [{grantId, remaining, priority? (50), effectiveAt? (period start or
 * before), expiresAt? (none), createdAt? }], pieces?: [{from, to, units}], expected: [{grantId,
 * amount}] } — expected lists every grant that pays, in drawdown order.
 */

interface FixtureGrant {
  grantId: string;
  remaining: string;
  priority?: number;
  effectiveAt?: string;
  expiresAt?: string;
  createdAt?: string;
}

interface FixtureCase {
  name: string;
  currency?: string;
  period?: { start: string; end: string };
  charges: { usage: string; fixed: string; due: string };
  grants: FixtureGrant[];
  pieces?: { from: string; to: string; units: string }[];
  expected: { grantId: string; amount: string }[];
}

const NOVEMBER = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') };

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'drawdown.json'), 'utf8')) as {
  cases: FixtureCase[];
};

function grantOf(g: FixtureGrant): DrawdownGrant {
  return {
    grantId: g.grantId,
    remaining: new Dec(g.remaining),
    priority: g.priority ?? 50,
    effectiveAt: new Date(g.effectiveAt ?? '2026-10-01T00:00:00Z'),
    expiresAt: g.expiresAt ? new Date(g.expiresAt) : null,
    createdAt: g.createdAt ?? '2026-10-01T00:00:00.000Z',
  };
}

describe('credit drawdown (fixtures)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const period = c.period
      ? { start: new Date(c.period.start), end: new Date(c.period.end) }
      : NOVEMBER;
    const allocations = drawdown({
      currency: c.currency ?? 'USD',
      period,
      charges: {
        usage: new Dec(c.charges.usage),
        fixed: new Dec(c.charges.fixed),
        due: new Dec(c.charges.due),
      },
      grants: c.grants.map(grantOf),
      pieces: c.pieces?.map((p) => ({
        from: new Date(p.from),
        to: new Date(p.to),
        units: new Dec(p.units),
      })),
    });
    const places = c.currency === 'JPY' ? 0 : 2;
    expect(
      allocations.map((a) => ({ grantId: a.grantId, amount: a.amount.toFixed(places) })),
    ).toEqual(c.expected);
  });

  it('refuses pieces that do not cut the period at the window boundaries', () => {
    expect(() =>
      drawdown({
        currency: 'USD',
        period: NOVEMBER,
        charges: { usage: new Dec(10), fixed: ZERO, due: new Dec(10) },
        grants: [grantOf({ grantId: 'g', remaining: '5', expiresAt: '2026-11-10T00:00:00Z' })],
      }),
    ).toThrow(/pieceBoundaries/);
  });
});

describe('credit drawdown (property)', () => {
  const DAY = 86_400_000;
  const start = NOVEMBER.start.getTime();
  const cents = (max: number) => fc.integer({ min: 0, max }).map((n) => new Dec(n).dividedBy(100));
  const day = fc.integer({ min: -5, max: 35 }).map((d) => new Date(start + d * DAY));
  const grant = fc
    .record({
      remaining: cents(20_000),
      priority: fc.integer({ min: 1, max: 3 }),
      from: day,
      length: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
      created: fc.integer({ min: 0, max: 5 }),
    })
    .map((g): DrawdownGrant => ({
      grantId: 'g', // numbered in the scenario
      remaining: g.remaining,
      priority: g.priority,
      effectiveAt: g.from,
      expiresAt: g.length === undefined ? null : new Date(g.from.getTime() + g.length * DAY),
      createdAt: new Date(start - g.created * DAY).toISOString(),
    }));
  const scenario = fc.record({
    grants: fc
      .array(grant, { minLength: 1, maxLength: 6 })
      .map((gs) => gs.map((g, i) => ({ ...g, grantId: `g${i}` }))),
    usage: cents(50_000),
    fixed: cents(10_000),
    dueCut: cents(5_000),
    units: fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 20, maxLength: 20 }),
  });

  /** share(I) of the charges for [from, to), exactly as the rule says (Decimals, no rounding). */
  function share(
    pieces: UsagePiece[],
    usage: Decimal,
    fixed: Decimal,
    from: number,
    to: number,
  ): Decimal {
    const units = sumDecimals(pieces.map((p) => p.units));
    const length = NOVEMBER.end.getTime() - start;
    const inside = pieces.filter((p) => p.from.getTime() >= from && p.to.getTime() <= to);
    const ms = inside.reduce((s, p) => s + p.to.getTime() - p.from.getTime(), 0);
    const insideUnits = sumDecimals(inside.map((p) => p.units));
    const usageShare = units.isZero()
      ? usage.times(ms).dividedBy(length)
      : usage.times(insideUnits).dividedBy(units);
    return usageShare.plus(fixed.times(ms).dividedBy(length));
  }

  it('never pays more than due, a grant holds, or its window can claim, and never a part twice', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const bounds = pieceBoundaries(NOVEMBER, s.grants);
        const pieces = bounds.slice(1).map((to, k) => ({
          from: bounds[k],
          to,
          units: new Dec(s.units[k % s.units.length]),
        }));
        const total = s.usage.plus(s.fixed);
        const due = Dec.max(ZERO, total.minus(s.dueCut));
        const allocations = drawdown({
          currency: 'USD',
          period: NOVEMBER,
          charges: { usage: s.usage, fixed: s.fixed, due },
          grants: s.grants,
          pieces,
        });
        const byId = new Map(s.grants.map((g) => [g.grantId, g]));
        const window = (g: DrawdownGrant) => ({
          from: Math.max(g.effectiveAt.getTime(), start),
          to: Math.min(g.expiresAt?.getTime() ?? Infinity, NOVEMBER.end.getTime()),
        });
        expect(sumDecimals(allocations.map((a) => a.amount)).lte(due)).toBe(true);
        for (const a of allocations) {
          const g = byId.get(a.grantId) as DrawdownGrant;
          expect(a.amount.gt(0) && a.amount.lte(g.remaining)).toBe(true);
          expect(a.amount.decimalPlaces()).toBeLessThanOrEqual(2);
          const w = window(g);
          expect(a.amount.lte(share(pieces, s.usage, s.fixed, w.from, w.to))).toBe(true);
        }
        // Every interval of pieces holds at least what the grants confined to it paid.
        for (let i = 0; i < bounds.length; i++) {
          for (let j = i + 1; j < bounds.length; j++) {
            const [from, to] = [bounds[i].getTime(), bounds[j].getTime()];
            const inside = allocations.filter((a) => {
              const w = window(byId.get(a.grantId) as DrawdownGrant);
              return w.from >= from && w.to <= to;
            });
            const paid = sumDecimals(inside.map((a) => a.amount));
            expect(paid.lte(share(pieces, s.usage, s.fixed, from, to))).toBe(true);
          }
        }
        // Allocations come in drawdown order.
        const order = inDrawdownOrder(allocations.map((a) => byId.get(a.grantId) as DrawdownGrant));
        expect(allocations.map((a) => a.grantId)).toEqual(order.map((g) => g.grantId));
        // A grant in force all period with enough left leaves nothing due.
        const whole = s.grants.find(
          (g) =>
            g.effectiveAt.getTime() <= start &&
            (g.expiresAt === null || g.expiresAt >= NOVEMBER.end) &&
            g.remaining.gte(due),
        );
        if (whole) expect(sumDecimals(allocations.map((a) => a.amount)).equals(due)).toBe(true);
      }),
      { seed: 20_261_101, numRuns: 300 },
    );
  });
});
