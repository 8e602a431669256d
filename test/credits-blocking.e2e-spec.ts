import fc from 'fast-check';
import { Dec, type Decimal } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { type TestApp, startTestApp, testConfig } from './support/test-app';

/** 0.10 per call, then 0.05 beyond 100 calls (graduated), no base fee. */
const METERED = {
  id: 'prepaid',
  name: 'Prepaid',
  currency: 'USD',
  baseFee: '0',
  minimumCharge: '0',
  charges: [
    {
      id: 'calls',
      endpoint: '*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 100, unitAmount: '0.10' },
        { upTo: null, unitAmount: '0.05' },
      ],
    },
  ],
};

/** Price of the period's usage under METERED. */
const priceOf = (units: Decimal) =>
  units.lte(100) ? units.times('0.10') : new Dec('10.00').plus(units.minus(100).times('0.05'));

describe('Prepaid credits: real-time blocking (e2e)', () => {
  const clock = new FakeClock('2026-03-10T12:00:00Z');
  const config = testConfig();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ config, overrides: [[Clock, clock]] });
    b = await startTestApp({ config, overrides: [[Clock, clock]] });
    await a.http.post('/v1/plans').set(a.auth()).send(METERED).expect(201);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  async function blockedCustomer(id: string, credit: string) {
    await a.http
      .post('/v1/customers')
      .set(a.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'prepaid' })
      .expect(201);
    await a.http
      .post(`/v1/customers/${id}/credit-grants`)
      .set(a.auth())
      .send({ amount: credit, kind: 'purchased', effectiveAt: '2026-03-01T00:00:00Z' })
      .expect(201);
    await a.http
      .patch(`/v1/customers/${id}`)
      .set(a.auth())
      .send({ creditPolicy: { overdraft: 'block' } })
      .expect(200);
  }
  const single = (t: TestApp, customerId: string, quantity: number | string, eventId: string) =>
    t.http.post('/v1/usage').set(t.auth('ingest')).send({
      customerId,
      endpoint: '/api/x',
      quantity,
      eventId,
      timestamp: '2026-03-10T11:00:00Z',
    });
  const unitsOf = async (customerId: string) => {
    const res = await a.http
      .get(`/v1/customers/${customerId}/usage`)
      .set('Cache-Control', 'no-cache')
      .set(a.auth('read'))
      .expect(200);
    return new Dec(res.body.total as string);
  };

  it('refuses the single event that would spend more than the credit, with 402', async () => {
    await blockedCustomer('blk-single', '1.00');
    for (let i = 0; i < 10; i++) await single(a, 'blk-single', 1, `s${i}`).expect(201);
    const refused = await single(a, 'blk-single', 1, 's10').expect(402);
    expect(refused.body.error).toBe('INSUFFICIENT_CREDIT');
    expect(refused.body.message).toMatch(/1\.10 USD, past the 1\.00 USD/);
    // Same answer on the other instance; a duplicate of an accepted event is still a duplicate.
    await single(b, 'blk-single', 1, 's11').expect(402);
    await single(b, 'blk-single', 1, 's0').expect(200);
  });

  it('accepts the events of a batch that fit, in arrival order, and refuses the rest', async () => {
    await blockedCustomer('blk-batch', '2.00');
    const res = await a.http
      .post('/v1/usage/batch')
      .set(a.auth('ingest'))
      .send({
        events: [5, 20, 10, 3, 2, 1].map((quantity, i) => ({
          customerId: 'blk-batch',
          endpoint: '/api/x',
          quantity,
          eventId: `b${i}`,
          timestamp: '2026-03-10T11:00:00Z',
        })),
      })
      .expect(200);
    // 5 (0.50) fits; 20 would make 2.50; 10 makes 1.50; 3 would make 1.80; 2 makes 2.00; 1 no.
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'rejected',
      'accepted',
      'accepted',
      'accepted',
      'rejected',
    ]);
    expect(res.body.results[1].error).toEqual({
      code: 'INSUFFICIENT_CREDIT',
      message: expect.stringMatching(/2\.50 USD, past the 2\.00 USD/),
    });
  });

  it('leaves customers that allow overdraft alone', async () => {
    await a.http
      .post('/v1/customers')
      .set(a.auth())
      .send({ id: 'blk-allow', email: 'x@example.test', name: 'x', planId: 'prepaid' })
      .expect(201);
    await single(a, 'blk-allow', 50, 'a1').expect(201);
  });

  it('shares full transactions with other customers under load, failing no event', async () => {
    for (let i = 0; i < 6; i++) await blockedCustomer(`blk-load-${i}`, '100000.00');
    await a.http
      .post('/v1/customers')
      .set(a.auth())
      .send({ id: 'blk-neighbour', email: 'n@example.test', name: 'n', planId: 'prepaid' })
      .expect(201);
    // Many customers' events share a transaction; each blocked one adds the gate's items to it.
    const batch = (customerId: string, tag: string) =>
      a.http
        .post('/v1/usage/batch')
        .set(a.auth('ingest'))
        .send({
          events: Array.from({ length: 100 }, (_, i) => ({
            customerId,
            endpoint: `/api/${i % 4}`,
            eventId: `${tag}-${i}`,
            timestamp: `2026-03-0${1 + (i % 9)}T10:00:00Z`,
          })),
        })
        .expect(200);
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, r) =>
        batch(r % 4 === 0 ? 'blk-neighbour' : `blk-load-${r % 6}`, `load-${r}`),
      ),
    );
    for (const res of results) expect(res.body).toMatchObject({ accepted: 100, rejected: 0 });
  });

  it('never overshoots under concurrent requests on two instances', async () => {
    // Seeded: the same mixes of singles and batches on every run.
    const runs = fc.sample(
      fc.array(
        fc.record({
          instance: fc.constantFrom(0, 1),
          quantities: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        }),
        { minLength: 20, maxLength: 20 },
      ),
      { seed: 4242, numRuns: 3 },
    );
    for (const [r, requests] of runs.entries()) {
      const customerId = `blk-race-${r}`;
      const credit = new Dec('7.35');
      await blockedCustomer(customerId, credit.toFixed(2));
      const sent: { quantity: number; status: string }[] = [];
      await Promise.all(
        requests.map(async ({ instance, quantities }, i) => {
          const t = instance === 0 ? a : b;
          if (quantities.length === 1) {
            const res = await single(t, customerId, quantities[0], `r${i}`);
            expect([201, 402]).toContain(res.status);
            sent.push({
              quantity: quantities[0],
              status: res.status === 201 ? 'accepted' : 'rejected',
            });
            return;
          }
          const res = await t.http
            .post('/v1/usage/batch')
            .set(t.auth('ingest'))
            .send({
              events: quantities.map((quantity, j) => ({
                customerId,
                endpoint: '/api/x',
                quantity,
                eventId: `r${i}-${j}`,
                timestamp: '2026-03-10T11:00:00Z',
              })),
            })
            .expect(200);
          res.body.results.forEach(
            (result: { status: string; error?: { code: string } }, j: number) => {
              if (result.status === 'rejected')
                expect(result.error?.code).toBe('INSUFFICIENT_CREDIT');
              sent.push({ quantity: quantities[j], status: result.status });
            },
          );
        }),
      );
      const accepted = sent
        .filter((s) => s.status === 'accepted')
        .reduce((sum, s) => sum.plus(s.quantity), new Dec(0));
      // What was recorded is exactly what was acknowledged, and its price fits the credit.
      expect((await unitsOf(customerId)).toFixed()).toBe(accepted.toFixed());
      const spend = priceOf(accepted);
      expect(spend.lte(credit)).toBe(true);
      // Every refusal was justified: the event does not fit even now.
      for (const s of sent.filter((x) => x.status === 'rejected')) {
        expect(priceOf(accepted.plus(s.quantity)).gt(credit)).toBe(true);
      }
      expect(sent.some((s) => s.status === 'rejected')).toBe(true);
    }
  });
});
