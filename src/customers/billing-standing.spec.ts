import fc from 'fast-check';
import {
  type StandingFields,
  type StandingReport,
  EARLIER_SUBSCRIPTION,
  standingOf,
  withStandingReport,
} from './billing-standing';

const fresh = (): StandingFields => ({ billingStatus: 'active' });

function applyAll(reports: StandingReport[], start = fresh()): StandingFields {
  return reports.reduce((c, r) => withStandingReport(c, r) ?? c, start);
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

/** Few subscriptions and few distinct seconds, so ties and repeats are common. */
const report: fc.Arbitrary<StandingReport> = fc.oneof(
  fc.record({
    kind: fc.constant('payment' as const),
    status: fc.constantFrom('current' as const, 'past_due' as const),
    at: fc.integer({ min: 0, max: 5 }).map(at),
  }),
  fc.record({
    kind: fc.constant('subscription' as const),
    subscriptionId: fc.constantFrom('sub_1', 'sub_2'),
    status: fc.constantFrom('active' as const, 'cancelled' as const),
    at: fc.integer({ min: 0, max: 5 }).map(at),
  }),
);

describe('billing standing', () => {
  it('ends in the same state whatever the order and however often reports repeat', () => {
    fc.assert(
      fc.property(
        fc
          .array(report, { maxLength: 8 })
          .chain((reports) =>
            fc.tuple(
              fc.constant(reports),
              fc.shuffledSubarray(reports, { minLength: reports.length }),
              fc.array(fc.nat({ max: Math.max(reports.length - 1, 0) }), { maxLength: 4 }),
            ),
          ),
        ([reports, shuffled, repeats]) => {
          const redelivered = [...shuffled, ...repeats.flatMap((i) => reports.slice(i, i + 1))];
          expect(applyAll(redelivered)).toEqual(applyAll(reports));
        },
      ),
    );
  });

  it('is cancelled exactly when every reported subscription ended, else follows payments', () => {
    const cancelled = { kind: 'subscription', subscriptionId: 'sub_1', status: 'cancelled' };
    expect(applyAll([{ ...cancelled, at: at(5) } as StandingReport]).billingStatus).toBe(
      'cancelled',
    );
    const result = applyAll([
      { kind: 'subscription', subscriptionId: 'sub_1', status: 'cancelled', at: at(5) },
      { kind: 'payment', status: 'current', at: at(30) },
      { kind: 'subscription', subscriptionId: 'sub_2', status: 'active', at: at(40) },
      { kind: 'payment', status: 'past_due', at: at(50) },
    ]);
    expect(result).toMatchObject({
      billingStatus: 'past_due',
      paymentStanding: { status: 'past_due', at: at(50) },
      subscriptions: {
        sub_1: { status: 'cancelled', at: at(5) },
        sub_2: { status: 'active', at: at(40) },
      },
    });
  });

  it('reads standings stored before subscriptions were tracked apart', () => {
    expect(standingOf({ billingStatus: 'cancelled', billingStatusAt: at(5) })).toEqual({
      subscriptions: { [EARLIER_SUBSCRIPTION]: { status: 'cancelled', at: at(5) } },
    });
    expect(standingOf({ billingStatus: 'past_due', billingStatusAt: at(5) })).toEqual({
      payment: { status: 'past_due', at: at(5) },
      subscriptions: {},
    });
    const legacy: StandingFields = { billingStatus: 'cancelled', billingStatusAt: at(5) };
    // A payment does not lift the old cancellation; a newer live subscription does.
    const paid = withStandingReport(legacy, { kind: 'payment', status: 'current', at: at(9) });
    expect(paid).toMatchObject({ billingStatus: 'cancelled', billingStatusAt: undefined });
    expect(
      withStandingReport(legacy, {
        kind: 'subscription',
        subscriptionId: 'sub_9',
        status: 'active',
        at: at(9),
      })?.billingStatus,
    ).toBe('active');
    const olderUpdate = withStandingReport(legacy, {
      kind: 'subscription',
      subscriptionId: 'sub_1',
      status: 'active',
      at: at(4),
    });
    expect(olderUpdate?.billingStatus).toBe('cancelled');
  });
});
