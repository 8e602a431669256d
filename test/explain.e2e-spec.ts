import { Dec } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

type Obj = Record<string, unknown>;
type Day = { date: string; endpoint: string; quantity: string; events: number; link: Obj };
type ChargeLine = {
  id: string;
  kind: string;
  amount: string;
  quantity?: string;
  planId?: string;
  planVersion?: number;
  inForce?: { from: string; to: string };
  arithmetic: string[];
  usage?: Day[];
};

/*
 * Explanations of charges and invoices: for a month with a plan change in the middle of a day,
 * every line is explained with its plan version and stretch, its arithmetic, and usage days that
 * add up exactly to it; the explained amounts add up exactly to the invoice.
 */
describe('Explain charges and invoices (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-01T00:00:00Z');

  const track = (endpoint: string, quantity: number, timestamp: string) =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId: 'explained', endpoint, quantity, timestamp })
      .expect(201);

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id: 'xp-start',
        name: 'Start',
        currency: 'USD',
        baseFee: '31.00',
        minimumCharge: '0',
        charges: [
          {
            id: 'calls',
            endpoint: '*',
            aggregation: 'sum',
            model: 'graduated',
            tiers: [
              { upTo: 1000, unitAmount: '0' },
              { upTo: null, unitAmount: '0.01' },
            ],
          },
        ],
      })
      .expect(201);
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id: 'xp-scale',
        name: 'Scale',
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '310.00',
        charges: [
          {
            id: 'units',
            endpoint: '*',
            aggregation: 'sum',
            model: 'per_unit',
            unitAmount: '0.002',
          },
          {
            id: 'searches',
            endpoint: '/api/search',
            aggregation: 'count',
            model: 'package',
            packageSize: 2,
            packageAmount: '1.00',
            rounding: 'up',
          },
        ],
      })
      .expect(201);
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'explained', email: 'x@example.test', name: 'X', planId: 'xp-start' })
      .expect(201);
    // Start: 10,000 units over three days, the last one split by the plan change at noon.
    clock.set('2026-03-11T12:00:00Z');
    await track('/api/a', 4000, '2026-03-03T10:00:00Z');
    await track('/api/a', 2500, '2026-03-07T10:00:00Z');
    await track('/api/b', 500, '2026-03-07T11:00:00Z');
    await track('/api/a', 3000, '2026-03-11T09:00:00Z');
    await t.http
      .patch('/v1/customers/explained')
      .set(t.auth())
      .send({ planId: 'xp-scale' })
      .expect(200);
    // Scale: the rest of the 11th and later days; three searches (count) among them.
    clock.set('2026-03-25T00:00:00Z');
    await track('/api/a', 2000, '2026-03-11T15:00:00Z');
    await track('/api/search', 10, '2026-03-11T16:00:00Z');
    await track('/api/search', 10, '2026-03-20T08:00:00Z');
    await track('/api/search', 10, '2026-03-20T09:00:00Z');
    await track('/api/a', 3000, '2026-03-24T10:00:00Z');
    clock.set('2026-04-02T10:00:00Z');
  });
  afterAll(() => t.close());

  /** Every usage line's days add up exactly to its quantity, and each day links its usage read. */
  function expectDaysAddUp(lines: ChargeLine[]) {
    for (const line of lines.filter((l) => l.kind === 'usage')) {
      const days = line.usage ?? [];
      const sum = days.reduce((s, d) => s.plus(d.quantity), new Dec(0));
      expect(sum.equals(line.quantity!)).toBe(true);
      for (const day of days) {
        expect(day.link).toMatchObject({
          method: 'GET',
          path: '/v1/customers/explained/usage',
          query: { groupBy: 'endpoint' },
        });
      }
    }
  }

  it('explains the charges of a month with a mid-day plan change, line by line', async () => {
    const res = await t.http
      .get('/v1/customers/explained/charges/explain')
      .query({ period: '2026-03' })
      .set(t.auth('read'))
      .expect(200);
    const body = res.body as { lines: ChargeLine[]; segments: Obj[]; total: string };
    expect(body.segments).toEqual([
      {
        planId: 'xp-start',
        planVersion: 1,
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-03-11T12:00:00.000Z',
        days: '10.5',
      },
      {
        planId: 'xp-scale',
        planVersion: 1,
        from: '2026-03-11T12:00:00.000Z',
        to: '2026-04-01T00:00:00.000Z',
        days: '20.5',
      },
    ]);
    const [calls, units, searches, baseFee, minimum] = body.lines;
    expect(calls).toMatchObject({
      id: 'L1',
      kind: 'usage',
      planId: 'xp-start',
      planVersion: 1,
      inForce: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-11T12:00:00.000Z' },
      quantity: '10000',
      amount: '90.00',
    });
    expect(calls.arithmetic).toEqual([
      '4,000 + 2,500 + 500 + 3,000 = 10,000 units',
      'tier 1 (0 – 1,000): 1,000 × 0 = 0.00',
      'tier 2 (1,000 – ∞): 9,000 × 0.01 = 90.00',
      '0.00 + 90.00 = 90.00',
    ]);
    // The 11th is split at noon: only its morning belongs to Start, and its link says so.
    expect(calls.usage!.map((d) => [d.date, d.endpoint, d.quantity, d.events])).toEqual([
      ['2026-03-03', '/api/a', '4000', 1],
      ['2026-03-07', '/api/a', '2500', 1],
      ['2026-03-07', '/api/b', '500', 1],
      ['2026-03-11', '/api/a', '3000', 1],
    ]);
    expect(calls.arithmetic[0]).toContain('= 10,000 units');
    expect(calls.usage![3].link.query).toEqual({
      from: '2026-03-11T00:00:00.000Z',
      to: '2026-03-11T12:00:00.000Z',
      groupBy: 'endpoint',
    });

    expect(units).toMatchObject({ id: 'L2', planId: 'xp-scale', quantity: '5030' });
    expect(units.arithmetic).toContain('5,030 × 0.002 = 10.06');
    expect(units.usage![0].link.query).toMatchObject({ from: '2026-03-11T12:00:00.000Z' });
    expect(searches).toMatchObject({ id: 'L3', quantity: '3', amount: '2.00' });
    expect(searches.usage!.map((d) => [d.date, d.quantity, d.events])).toEqual([
      ['2026-03-11', '1', 1],
      ['2026-03-20', '2', 2],
    ]);
    expect(searches.arithmetic).toEqual([
      '1 + 2 = 3 events',
      '3 ÷ 2 per package = 1.5, rounded up = 2 packages',
      '2 × 1.00 = 2.00',
    ]);
    expect(baseFee).toMatchObject({ id: 'L4', kind: 'base_fee', amount: '10.50' });
    expect(baseFee.arithmetic).toEqual(['31 × 10.5 / 31 days in force = 10.5']);
    // Scale's minimum, prorated: 310.00 × 20.5 / 31 = 205.00; charged so far 112.56.
    expect(minimum).toMatchObject({ id: 'L5', kind: 'minimum', amount: '92.44' });
    expect(minimum.arithmetic).toEqual([
      'minimum: 0 × 10.5 / 31 (xp-start v1) + 310.00 × 20.5 / 31 (xp-scale v1) = 205',
      '205.00 minimum − 112.56 charged = 92.44 top-up',
    ]);
    expectDaysAddUp(body.lines);
    const sum = body.lines.reduce((s, l) => s.plus(l.amount), new Dec(0));
    expect(sum.toFixed(2)).toBe(body.total);
    expect(body.total).toBe('205.00');
  });

  it('explains every line of the invoice exactly, and matches it line by line', async () => {
    const created = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'explained', period: '2026-03' })
      .expect(201);
    const invoice = (
      await t.http.post(`/v1/invoices/${created.body.id}/finalize`).set(t.auth()).expect(200)
    ).body as {
      id: string;
      total: string;
      lines: { id: string; amount: string; quantity?: string }[];
    };

    const res = await t.http
      .get(`/v1/invoices/${invoice.id}/explain`)
      .set(t.auth('read'))
      .expect(200);
    const body = res.body as {
      total: string;
      lines: { id: string; amount: string; matchesCharges: boolean; charge: ChargeLine | null }[];
    };
    expect(body.total).toBe(invoice.total);
    expect(body.lines.map((l) => [l.id, l.amount])).toEqual(
      invoice.lines.map((l) => [l.id, l.amount]),
    );
    for (const [index, line] of body.lines.entries()) {
      expect(line.matchesCharges).toBe(true);
      expect(line.charge!.amount).toBe(invoice.lines[index].amount);
      if (invoice.lines[index].quantity !== undefined) {
        expect(line.charge!.quantity).toBe(invoice.lines[index].quantity);
      }
    }
    const charges = body.lines.map((l) => l.charge!);
    expectDaysAddUp(charges);
    const explained = charges.reduce((s, l) => s.plus(l.amount), new Dec(0));
    expect(explained.equals(invoice.total)).toBe(true);
    expect(charges[0].arithmetic).toContain('tier 2 (1,000 – ∞): 9,000 × 0.01 = 90.00');

    await t.http.get('/v1/invoices/inv_nobody_2026-03/explain').set(t.auth('read')).expect(404);
    await t.http
      .get('/v1/customers/nobody/charges/explain')
      .query({ period: '2026-03' })
      .set(t.auth('read'))
      .expect(404);
    await t.http
      .get('/v1/customers/explained/charges/explain')
      .query({ period: '2026-3' })
      .set(t.auth('read'))
      .expect(400);
  });
});
