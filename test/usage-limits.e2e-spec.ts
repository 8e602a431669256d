import fc from 'fast-check';
import { Dec } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Daily limits (DESIGN §4, issue 13): no write takes a customer-day past the plan's
 * `unitsPerDay`, on a fresh day as on a used one, whatever the concurrency.
 */
describe('Usage daily limits (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-10T12:00:00Z');
  const TODAY = '2026-03-10';
  const TINY_LIMIT = 10;
  let customers = 0;

  const createCustomer = async (planId: string) => {
    const id = `lim-${++customers}`;
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
    return id;
  };
  const track = (body: object) => t.http.post('/v1/usage').set(t.auth('ingest')).send(body);
  const batch = (events: unknown[]) =>
    t.http.post('/v1/usage/batch').set(t.auth('ingest')).send({ events });
  const dayTotals = async (id: string): Promise<Map<string, string>> => {
    const res = await t.http
      .get(`/v1/customers/${id}/usage`)
      .query({ from: '2026-02-01', to: '2026-03-11', groupBy: 'day' })
      .set(t.auth('read'))
      .set('Cache-Control', 'no-cache')
      .expect(200);
    return new Map(
      (res.body.groups as { key: string; quantity: string }[]).map((g) => [g.key, g.quantity]),
    );
  };
  const at = (day: string) => `${day}T08:00:00Z`;
  const codes = (res: { body: { results: { status: string; error?: { code: string } }[] } }) =>
    res.body.results.map((r) => r.error?.code ?? r.status);

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id: 'tiny',
        name: 'Tiny',
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        limits: { unitsPerDay: TINY_LIMIT },
        charges: [
          { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '0' },
        ],
      })
      .expect(201);
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set('2026-03-10T12:00:00Z'));

  it('rejects a single event larger than the whole limit on a fresh day', async () => {
    const id = await createCustomer('free'); // 1,000 units per day
    const huge = await track({ customerId: id, endpoint: '/a', quantity: 1_000_000 });
    expect(huge.status).toBe(429);
    expect(huge.body.error).toBe('USAGE_LIMIT_EXCEEDED');
    const justOver = await track({ customerId: id, endpoint: '/a', quantity: '1000.000001' });
    expect(justOver.status).toBe(429);
    expect((await dayTotals(id)).get(TODAY)).toBeUndefined();
    // The whole limit in one event fits.
    expect((await track({ customerId: id, endpoint: '/a', quantity: 1000 })).status).toBe(201);
    expect((await dayTotals(id)).get(TODAY)).toBe('1000');
  });

  it('accepts a batch in arrival order while events fit on a fresh day, rejecting the rest', async () => {
    const id = await createCustomer('paid'); // 10,000 units per day
    const res = await batch(
      [1500, 20000, 8000, 501, 500, 1].map((quantity) => ({
        customerId: id,
        endpoint: '/a',
        quantity,
      })),
    );
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual([
      'accepted',
      'USAGE_LIMIT_EXCEEDED',
      'accepted',
      'USAGE_LIMIT_EXCEEDED',
      'accepted',
      'USAGE_LIMIT_EXCEEDED',
    ]);
    expect(res.body).toMatchObject({ accepted: 3, rejected: 3 });
    expect((await dayTotals(id)).get(TODAY)).toBe('10000');
  });

  it('never overshoots with 20 parallel requests on a fresh day', async () => {
    for (const [quantity, fit] of [
      [600, 1],
      [100, 10],
    ]) {
      const id = await createCustomer('free');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => track({ customerId: id, endpoint: '/a', quantity })),
      );
      const statuses = results.map((r) => r.status);
      expect({ accepted: statuses.filter((s) => s === 201).length, statuses }).toEqual({
        accepted: fit,
        statuses: expect.arrayContaining([201, 429]) as unknown,
      });
      expect(statuses.filter((s) => s === 429)).toHaveLength(20 - fit);
      expect((await dayTotals(id)).get(TODAY)).toBe(String(quantity * fit));
    }
  });

  it('answers 429 with Retry-After for today, 422 without it for a past day', async () => {
    const id = await createCustomer('tiny');
    const today = await track({ customerId: id, endpoint: '/a', quantity: 11 });
    expect(today.status).toBe(429);
    expect(today.body.error).toBe('USAGE_LIMIT_EXCEEDED');
    expect(Number(today.headers['retry-after'])).toBe(12 * 3600);

    const past = await track({
      customerId: id,
      endpoint: '/a',
      quantity: 11,
      timestamp: at('2026-03-09'),
    });
    expect(past.status).toBe(422);
    expect(past.body).toMatchObject({ statusCode: 422, error: 'USAGE_LIMIT_EXCEEDED' });
    expect(past.headers['retry-after']).toBeUndefined();

    const res = await batch([
      { customerId: id, endpoint: '/a', quantity: 11 },
      { customerId: id, endpoint: '/a', quantity: 11, timestamp: at('2026-03-09') },
    ]);
    expect(res.body.results[0].error).toMatchObject({
      code: 'USAGE_LIMIT_EXCEEDED',
      retryAfterSeconds: 12 * 3600,
    });
    expect(res.body.results[1].error.code).toBe('USAGE_LIMIT_EXCEEDED');
    expect(res.body.results[1].error).not.toHaveProperty('retryAfterSeconds');
  });

  /*
   * Property: random concurrent singles and batches over fresh and used days. Checked per run:
   * - no day total exceeds the limit, and each equals what was accepted (nothing lost or doubled);
   * - every rejection is justified: a day total only grows, so an event rejected when the day
   *   held T ≤ final total would also not fit the final total (q + final > limit); a rejection
   *   that would fit even the final total is one that fitted when it was made;
   * - a batch sent alone afterwards is settled exactly as the rule says: in arrival order, each
   *   event accepted when it still fits, else rejected.
   */
  it('never exceeds the limit and justifies every rejection (property)', async () => {
    const DAYS = ['2026-03-10', '2026-03-09', '2026-03-08'];
    const quantity = fc.constantFrom('0', '0.5', '1', '2', '2.25', '3', '4', '6', '10', '11');
    const event = fc.record({ day: fc.constantFrom(...DAYS.slice(0, 2)), quantity });
    const request = fc.oneof(
      event.map((e) => ({ single: true, events: [e] })),
      fc.array(event, { minLength: 1, maxLength: 6 }).map((events) => ({ single: false, events })),
    );
    const scenario = fc.record({
      preload: fc.record({
        [DAYS[0]]: fc.constantFrom('0', '3', '9.5', '10'),
        [DAYS[1]]: fc.constantFrom('0', '7'),
      }),
      requests: fc.array(request, { minLength: 1, maxLength: 8 }),
      final: fc.array(fc.record({ day: fc.constantFrom(...DAYS), quantity }), {
        minLength: 1,
        maxLength: 8,
      }),
    });
    const limit = new Dec(TINY_LIMIT);

    await fc.assert(
      fc.asyncProperty(scenario, async ({ preload, requests, final }) => {
        const id = await createCustomer('tiny');
        for (const [day, q] of Object.entries(preload)) {
          if (q === '0') continue;
          const pre = await track({
            customerId: id,
            endpoint: '/p',
            quantity: q,
            timestamp: at(day),
          });
          expect(pre.status).toBe(201);
        }
        const expected = new Map(Object.entries(preload).map(([d, q]) => [d, new Dec(q)]));

        type Sent = { day: string; quantity: string; outcome: string };
        const sent: Sent[] = [];
        const body = (e: { day: string; quantity: string }) => ({
          customerId: id,
          endpoint: '/x',
          quantity: e.quantity,
          timestamp: e.day === TODAY ? undefined : at(e.day),
        });
        await Promise.all(
          requests.map(async ({ single, events }) => {
            if (single) {
              const res = await track(body(events[0]));
              const outcome = res.status === 201 ? 'accepted' : String(res.body.error);
              if (outcome === 'USAGE_LIMIT_EXCEEDED') {
                // 429 with Retry-After for today; 422 without for a past day.
                expect(res.status).toBe(events[0].day === TODAY ? 429 : 422);
                expect(res.headers['retry-after'] !== undefined).toBe(events[0].day === TODAY);
              }
              sent.push({ ...events[0], outcome });
            } else {
              const res = await batch(events.map(body));
              expect(res.status).toBe(200);
              codes(res).forEach((outcome, i) => sent.push({ ...events[i], outcome }));
            }
          }),
        );

        for (const s of sent) expect(['accepted', 'USAGE_LIMIT_EXCEEDED']).toContain(s.outcome);
        for (const s of sent.filter((x) => x.outcome === 'accepted')) {
          expected.set(s.day, (expected.get(s.day) ?? new Dec(0)).plus(s.quantity));
        }
        const totals = await dayTotals(id);
        for (const day of DAYS) {
          const stored = new Dec(totals.get(day) ?? '0');
          expect(stored.lessThanOrEqualTo(limit)).toBe(true);
          expect(stored.toFixed()).toBe((expected.get(day) ?? new Dec(0)).toFixed());
        }
        for (const s of sent.filter((x) => x.outcome === 'USAGE_LIMIT_EXCEEDED')) {
          const finalTotal = new Dec(totals.get(s.day) ?? '0');
          expect({ ...s, fitsFinal: finalTotal.plus(s.quantity).lessThanOrEqualTo(limit) }).toEqual(
            {
              ...s,
              fitsFinal: false,
            },
          );
        }

        // A batch alone: exactly the rule, in arrival order.
        const model = new Map(DAYS.map((d) => [d, new Dec(totals.get(d) ?? '0')]));
        const want = final.map((e) => {
          const next = model.get(e.day)!.plus(e.quantity);
          if (next.greaterThan(limit)) return 'USAGE_LIMIT_EXCEEDED';
          model.set(e.day, next);
          return 'accepted';
        });
        const res = await batch(final.map(body));
        expect(codes(res)).toEqual(want);
        const after = await dayTotals(id);
        for (const day of DAYS) {
          expect(new Dec(after.get(day) ?? '0').toFixed()).toBe(model.get(day)!.toFixed());
        }
      }),
      { seed: 1310, numRuns: 20, endOnFailure: true },
    );
  });
});
