import { parsePeriod } from '../common/time/period';
import type { PlanVersion } from '../plans/plan.model';
import { chargeSegments } from './charge-segments';

const version = (planId: string, n: number, effectiveFrom: string): PlanVersion => ({
  planId,
  version: n,
  effectiveFrom,
  createdAt: effectiveFrom,
  document: {
    id: planId,
    name: planId,
    currency: 'USD',
    baseFee: '0',
    minimumCharge: '0',
    charges: [],
  },
});

const summary = (segments: ReturnType<typeof chargeSegments>) =>
  segments.map((s) => [
    `${s.planVersion.planId}@${s.planVersion.version}`,
    s.from.toISOString().slice(0, 10),
    s.to.toISOString().slice(0, 10),
  ]);

describe('chargeSegments', () => {
  const march = parsePeriod('2026-03');

  it('is one segment when nothing changed', () => {
    const versions = new Map([['a', [version('a', 1, '2026-01-01T00:00:00Z')]]]);
    const segments = chargeSegments(
      march,
      [{ planId: 'a', from: '2026-02-01T00:00:00Z' }],
      versions,
    );
    expect(summary(segments)).toEqual([['a@1', '2026-03-01', '2026-04-01']]);
  });

  it('splits at a new version of the same plan', () => {
    const versions = new Map([
      ['a', [version('a', 1, '2026-01-01T00:00:00Z'), version('a', 2, '2026-03-20T00:00:00Z')]],
    ]);
    const segments = chargeSegments(
      march,
      [{ planId: 'a', from: '2026-01-01T00:00:00Z' }],
      versions,
    );
    expect(summary(segments)).toEqual([
      ['a@1', '2026-03-01', '2026-03-20'],
      ['a@2', '2026-03-20', '2026-04-01'],
    ]);
  });

  it('splits at a plan change and ignores versions of a plan not in force', () => {
    const versions = new Map([
      ['a', [version('a', 1, '2026-01-01T00:00:00Z'), version('a', 2, '2026-03-25T00:00:00Z')]],
      ['b', [version('b', 1, '2026-01-01T00:00:00Z')]],
    ]);
    const history = [
      { planId: 'a', from: '2026-01-01T00:00:00Z' },
      { planId: 'b', from: '2026-03-10T00:00:00Z' },
    ];
    expect(summary(chargeSegments(march, history, versions))).toEqual([
      ['a@1', '2026-03-01', '2026-03-10'],
      ['b@1', '2026-03-10', '2026-04-01'],
    ]);
  });

  it('prices time before the first assignment and first version with the first ones', () => {
    const versions = new Map([['a', [version('a', 1, '2026-03-15T00:00:00Z')]]]);
    const segments = chargeSegments(
      march,
      [{ planId: 'a', from: '2026-03-15T00:00:00Z' }],
      versions,
    );
    expect(summary(segments)).toEqual([['a@1', '2026-03-01', '2026-04-01']]);
  });
});
