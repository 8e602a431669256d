import { Clock } from '../src/common/time/clock';
import { UsageSource } from '../src/usage/usage-source';
import { FakeClock } from './support/fake-clock';
import { InMemoryUsage } from './support/in-memory-usage';
import { startTestApp, type TestApp } from './support/test-app';

const plan = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Plan ${id}`,
  currency: 'USD',
  baseFee: '31.00',
  minimumCharge: '0',
  charges: [
    {
      id: 'calls',
      endpoint: '/api/*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 1000, unitAmount: '0' },
        { upTo: null, unitAmount: '0.01' },
      ],
    },
  ],
  ...extra,
});

describe('Plans, quotes and charges (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const usage = new InMemoryUsage();

  beforeAll(async () => {
    t = await startTestApp({
      overrides: [
        [Clock, clock],
        [UsageSource, usage],
      ],
    });
  });
  afterAll(() => t.close());

  describe('plans', () => {
    it('creates a plan once, then adds versions while keeping the old ones', async () => {
      const created = await t.http.post('/v1/plans').set(t.auth()).send(plan('basic'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'basic', version: 1, baseFee: '31.00' });
      const again = await t.http.post('/v1/plans').set(t.auth()).send(plan('basic'));
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('PLAN_EXISTS');

      await t.http.get('/v1/plans/basic').set(t.auth('read')); // cached now
      const v2 = await t.http
        .put('/v1/plans/basic')
        .set(t.auth())
        .send({ ...plan('basic'), baseFee: '40.00' });
      expect(v2.status).toBe(200);
      expect(v2.body).toMatchObject({ version: 2, baseFee: '40.00' });

      expect((await t.http.get('/v1/plans/basic').set(t.auth('read'))).body.version).toBe(2);
      const v1 = await t.http.get('/v1/plans/basic?version=1').set(t.auth('read'));
      expect(v1.body).toMatchObject({ version: 1, baseFee: '31.00' });
      const all = await t.http.get('/v1/plans/basic/versions').set(t.auth('read'));
      expect(all.body.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      expect((await t.http.get('/v1/plans/basic?version=9').set(t.auth('read'))).status).toBe(404);
    });

    it('schedules a version for the future without changing the current one', async () => {
      await t.http.post('/v1/plans').set(t.auth()).send(plan('sched')).expect(201);
      const future = await t.http
        .put('/v1/plans/sched')
        .set(t.auth())
        .send({ ...plan('sched'), baseFee: '99.00', effectiveFrom: '2026-03-20T00:00:00Z' });
      expect(future.status).toBe(200);
      expect(future.body.effectiveFrom).toBe('2026-03-20T00:00:00.000Z');
      expect((await t.http.get('/v1/plans/sched').set(t.auth('read'))).body.version).toBe(1);
      const past = await t.http
        .put('/v1/plans/sched')
        .set(t.auth())
        .send({ ...plan('sched'), effectiveFrom: '2026-02-01T00:00:00Z' });
      expect(past.status).toBe(400);
      expect(past.body.details.fields[0].field).toBe('effectiveFrom');
    });

    it('rejects invalid plans with every bad field listed', async () => {
      const bad = plan('broken', {
        currency: 'XXY',
        baseFee: '-1',
        surprise: true,
        charges: [
          {
            id: 'a',
            endpoint: '*',
            aggregation: 'sum',
            model: 'graduated',
            tiers: [
              { upTo: 100, unitAmount: '0.1' },
              { upTo: 50, unitAmount: '0.2' },
              { upTo: 200, unitAmount: '0.3' },
            ],
          },
          {
            id: 'a',
            endpoint: 'api',
            aggregation: 'sum',
            model: 'package',
            packageSize: 0,
            packageAmount: '1',
            rounding: 'up',
          },
        ],
      });
      const res = await t.http.post('/v1/plans').set(t.auth()).send(bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_PLAN');
      const fields: string[] = res.body.details.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'currency',
          'baseFee',
          'surprise',
          'charges[0].tiers[1].upTo',
          'charges[0].tiers[2].upTo',
          'charges[1].id',
          'charges[1].endpoint',
          'charges[1].packageSize',
        ]),
      );
      expect((await t.http.get('/v1/plans/broken').set(t.auth('read'))).status).toBe(404);
    });

    it('keeps a plan in its currency and needs admin to write plans', async () => {
      const eur = await t.http
        .put('/v1/plans/basic')
        .set(t.auth())
        .send({ ...plan('basic'), currency: 'EUR' });
      expect(eur.status).toBe(422);
      expect(eur.body.error).toBe('PLAN_CURRENCY_CHANGE');
      expect((await t.http.post('/v1/plans').set(t.auth('read')).send(plan('x'))).status).toBe(403);
      const missing = await t.http.put('/v1/plans/nope').set(t.auth()).send(plan('nope'));
      expect(missing.status).toBe(404);
    });
  });

  describe('quotes', () => {
    const quote = (body: unknown) =>
      t.http
        .post('/v1/pricing/quote')
        .set(t.auth('read'))
        .send(body as object);

    it.each([
      ['paid', 1500, '5.00'],
      ['paid', 150000, '1110.00'],
      ['enterprise', 1000000, '5130.00'],
      ['free', 900, '0.00'],
    ])('prices %s at %d units as %s', async (planId, units, total) => {
      const res = await quote({ planId, usage: { '/v1/search': units } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ currency: 'USD', total, planId, planVersion: 1 });
    });

    it('shows the per-tier breakdown', async () => {
      const res = await quote({ planId: 'paid', usage: { '/a': 1500 } });
      expect(res.body.lines).toHaveLength(1);
      expect(res.body.lines[0]).toMatchObject({
        chargeId: 'api-calls',
        quantity: '1500',
        amount: '5.00',
      });
      expect(res.body.lines[0].tiers.slice(0, 2)).toEqual([
        {
          from: '0',
          to: '1000',
          quantity: '1000',
          unitAmount: '0',
          flatAmount: '0.00',
          amount: '0.00',
        },
        {
          from: '1000',
          to: '10000',
          quantity: '500',
          unitAmount: '0.01',
          flatAmount: '0.00',
          amount: '5.00',
        },
      ]);
    });

    it('prices an inline plan, including sub-cent rates and JPY', async () => {
      const inline = {
        id: 'inline',
        name: 'Inline',
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        charges: [
          { id: 'c', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '0.0001' },
        ],
      };
      const usd = await quote({ plan: inline, usage: { '/x': '12345' } });
      expect(usd.body.total).toBe('1.23');
      const jpy = await quote({
        plan: {
          ...inline,
          currency: 'JPY',
          charges: [{ ...inline.charges[0], unitAmount: '0.5' }],
        },
        usage: { '/x': 2401 },
      });
      expect(jpy.body.total).toBe('1201');
    });

    it('rejects bad quote requests with field errors', async () => {
      const both = await quote({ planId: 'paid', plan: plan('z'), usage: {} });
      expect(both.status).toBe(400);
      const bad = await quote({ planId: 'paid', usage: { nope: 1, '/ok': -5, '/f': '1.1234567' } });
      expect(bad.status).toBe(400);
      expect(bad.body.details.fields.map((f: { field: string }) => f.field)).toEqual([
        'usage["nope"]',
        'usage["/ok"]',
        'usage["/f"]',
      ]);
      expect((await quote({ planId: 'ghost', usage: {} })).status).toBe(422);
      const ingest = await t.http
        .post('/v1/pricing/quote')
        .set(t.auth('ingest'))
        .send({ planId: 'paid', usage: {} });
      expect(ingest.status).toBe(403);
    });
  });

  describe('charges', () => {
    it('prices usage before and after a plan change with each plan, prorating base fees', async () => {
      clock.set('2026-03-01T00:00:00Z');
      await t.http
        .post('/v1/plans')
        .set(t.auth())
        .send(plan('half', { baseFee: '62.00' }))
        .expect(201);
      await t.http
        .post('/v1/customers')
        .set(t.auth())
        .send({ id: 'switcher', email: 's@example.test', name: 'S', planId: 'basic' })
        .expect(201);
      usage.record('switcher', '/api/a', '1500', '2026-03-05T10:00:00Z');
      clock.set('2026-03-11T00:00:00Z');
      await t.http
        .patch('/v1/customers/switcher')
        .set(t.auth())
        .send({ planId: 'half' })
        .expect(200);
      usage.record('switcher', '/api/a', '3000', '2026-03-15T10:00:00Z');
      usage.record('switcher', '/other', '99999', '2026-03-15T10:00:00Z'); // matches no charge
      usage.record('switcher', '/api/a', '7', '2026-04-01T00:00:00Z'); // April: not in March
      clock.set('2026-03-20T00:00:00Z');

      const res = await t.http
        .get('/v1/customers/switcher/charges?period=2026-03')
        .set(t.auth('read'));
      expect(res.status).toBe(200);
      // basic v2 (40.00/month) for 10 of 31 days: 12.90; usage 1500 → 500 × 0.01 = 5.00
      // half (62.00/month) for 21 of 31 days: 42.00; usage 3000 → 2000 × 0.01 = 20.00
      expect(res.body.segments).toEqual([
        {
          planId: 'basic',
          planVersion: 2,
          from: '2026-03-01T00:00:00.000Z',
          to: '2026-03-11T00:00:00.000Z',
          baseFee: '12.90',
          subtotal: '17.90',
        },
        {
          planId: 'half',
          planVersion: 1,
          from: '2026-03-11T00:00:00.000Z',
          to: '2026-04-01T00:00:00.000Z',
          baseFee: '42.00',
          subtotal: '62.00',
        },
      ]);
      expect(res.body).toMatchObject({
        customerId: 'switcher',
        period: '2026-03',
        currency: 'USD',
        baseFee: '54.90',
        subtotal: '79.90',
        total: '79.90',
      });
      expect(res.body.lines.map((l: { amount: string }) => l.amount)).toEqual(['5.00', '20.00']);
    });

    it('defaults to the current period and rejects a malformed one', async () => {
      clock.set('2026-03-20T00:00:00Z');
      const current = await t.http.get('/v1/customers/switcher/charges').set(t.auth('read'));
      expect(current.body.period).toBe('2026-03');
      const bad = await t.http
        .get('/v1/customers/switcher/charges?period=2026-3')
        .set(t.auth('read'));
      expect(bad.status).toBe(400);
      const missing = await t.http.get('/v1/customers/ghost/charges').set(t.auth('read'));
      expect(missing.status).toBe(404);
    });
  });
});
