import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

describe('Usage metering (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-10T12:00:00Z');

  const createCustomer = (id: string, planId = 'paid') =>
    t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
  const track = (body: object, scope: 'admin' | 'ingest' | 'read' = 'ingest') =>
    t.http.post('/v1/usage').set(t.auth(scope)).send(body);
  const batch = (events: unknown[]) =>
    t.http.post('/v1/usage/batch').set(t.auth('ingest')).send({ events });
  const usageOf = (id: string, query: Record<string, string> = {}) =>
    t.http.get(`/v1/customers/${id}/usage`).query(query).set(t.auth('read'));

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    await createCustomer('meter');
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set('2026-03-10T12:00:00Z'));

  it('counts an event once: 201 the first time, 200 duplicate after', async () => {
    const first = await track({
      customerId: 'meter',
      endpoint: '/api/a',
      eventId: 'e-1',
      quantity: 2,
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ eventId: 'e-1', duplicate: false });
    const again = await track({
      customerId: 'meter',
      endpoint: '/api/a',
      eventId: 'e-1',
      quantity: 2,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ eventId: 'e-1', duplicate: true });
    const server = await track({ customerId: 'meter', endpoint: '/api/a' });
    expect(server.status).toBe(201);
    expect(server.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 409 EVENT_ID_CONFLICT when an eventId is reused for a different event', async () => {
    await createCustomer('reuse');
    const e = { customerId: 'reuse', endpoint: '/api/a', eventId: 'r-1', quantity: '2' };
    expect((await track(e)).status).toBe(201);
    const timed = { ...e, eventId: 'r-2', timestamp: '2026-03-10T11:00:00Z' };
    expect((await track(timed)).status).toBe(201);
    // Replays: the quantity written differently, the same instant in another zone, no timestamp
    // (a retry gets a new server time): the same event.
    clock.set('2026-03-10T12:30:00Z');
    const replays = [
      e,
      { ...e, quantity: '2.000' },
      { ...e, quantity: 2 },
      { ...timed, timestamp: '2026-03-10T12:00:00+01:00' },
      { ...timed, timestamp: undefined },
    ];
    for (const replay of replays) {
      const res = await track(replay);
      expect({ replay, status: res.status, body: res.body }).toEqual({
        replay,
        status: 200,
        body: { eventId: replay.eventId, duplicate: true },
      });
    }
    const conflicts = [
      { ...e, quantity: '2.5' },
      { ...e, endpoint: '/api/b' },
      { ...timed, timestamp: '2026-03-10T11:00:01Z' },
      { ...timed, quantity: 0 },
    ];
    for (const conflict of conflicts) {
      const res = await track(conflict);
      expect({ conflict, status: res.status, body: res.body }).toEqual({
        conflict,
        status: 409,
        body: {
          statusCode: 409,
          error: 'EVENT_ID_CONFLICT',
          message: expect.stringContaining(conflict.eventId) as unknown,
          requestId: expect.any(String) as unknown,
        },
      });
    }
    expect((await usageOf('reuse')).body).toMatchObject({ total: '4', events: 2 });
  });

  it('reports eventId conflicts per event in a batch, also within one batch', async () => {
    await createCustomer('reuse-b');
    const e = { customerId: 'reuse-b', endpoint: '/api/a', eventId: 'rb-1', quantity: '1' };
    expect((await track(e)).status).toBe(201);
    const res = await batch([
      { ...e, eventId: 'rb-2' },
      { ...e, eventId: 'rb-2', quantity: '5' },
      { ...e, quantity: '3' },
      { ...e, quantity: '1.0' },
      { ...e, eventId: 'rb-2', quantity: '1.00' },
      { ...e, eventId: 'rb-2', endpoint: '/api/z' },
    ]);
    expect(res.status).toBe(200);
    expect(
      res.body.results.map(
        (r: { status: string; error?: { code: string } }) =>
          `${r.status}${r.error ? `:${r.error.code}` : ''}`,
      ),
    ).toEqual([
      'accepted',
      'rejected:EVENT_ID_CONFLICT',
      'rejected:EVENT_ID_CONFLICT',
      'duplicate',
      'duplicate',
      'rejected:EVENT_ID_CONFLICT',
    ]);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 2, rejected: 3 });
    expect((await usageOf('reuse-b')).body).toMatchObject({ total: '2', events: 2 });
  });

  it('settles concurrent copies of one eventId with different payloads against the first', async () => {
    await createCustomer('reuse-c');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        track({ customerId: 'reuse-c', endpoint: '/api/a', eventId: 'rc', quantity: 1 + (i % 2) }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const stored = (await usageOf('reuse-c')).body as { total: string; events: number };
    expect(stored.events).toBe(1);
    results.forEach((r, i) => {
      if (r.status === 201) return;
      const same = String(1 + (i % 2)) === stored.total;
      expect({ i, status: r.status }).toEqual({ i, status: same ? 200 : 409 });
    });
  });

  it('counts 50 identical concurrent requests exactly once', async () => {
    await createCustomer('racer');
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        track({ customerId: 'racer', endpoint: '/api/x', eventId: 'same', quantity: '1.5' }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(49);
    const usage = await usageOf('racer');
    expect(usage.body).toMatchObject({ total: '1.5', events: 1 });
  });

  it('reports the same eventId three times in one batch as 1 accepted and 2 duplicates', async () => {
    await createCustomer('triple');
    const e = { customerId: 'triple', endpoint: '/api/x', eventId: 'tri' };
    const res = await batch([e, e, e]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 2, rejected: 0 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'duplicate',
      'duplicate',
    ]);
    expect((await usageOf('triple')).body.events).toBe(1);
  });

  it('keeps totals exact for 1,000 distinct events in 10 concurrent batches', async () => {
    await createCustomer('bulk', 'enterprise');
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => ({
        customerId: 'bulk',
        endpoint: i % 2 ? '/api/even' : '/api/odd',
        eventId: `bulk-${b}-${i}`,
        quantity: '0.001',
        timestamp: `2026-03-0${1 + (i % 9)}T10:00:00Z`,
      })),
    );
    const results = await Promise.all(batches.map((events) => batch(events)));
    expect(results.map((r) => r.body.accepted)).toEqual(Array(10).fill(100));
    const byEndpoint = await usageOf('bulk', { groupBy: 'endpoint' });
    expect(byEndpoint.body).toMatchObject({ total: '1', events: 1000 });
    expect(byEndpoint.body.groups).toEqual([
      { key: '/api/even', quantity: '0.5', events: 500 },
      { key: '/api/odd', quantity: '0.5', events: 500 },
    ]);
    const byDay = await usageOf('bulk', { groupBy: 'day' });
    expect(byDay.body.groups).toHaveLength(9);
    expect(byDay.body.groups[0]).toMatchObject({ key: '2026-03-01', events: 120 });
  });

  it('returns each rejection with its own code', async () => {
    await createCustomer('gone');
    await t.http.delete('/v1/customers/gone').set(t.auth()).expect(204);
    const cases: [object, number, string][] = [
      [{ customerId: 'meter', endpoint: 'nope' }, 400, 'INVALID_USAGE'],
      [{ customerId: 'meter', endpoint: '/a', quantity: '-1' }, 400, 'INVALID_USAGE'],
      [{ customerId: 'meter', endpoint: '/a', quantity: '1.0000001' }, 400, 'INVALID_USAGE'],
      [{ customerId: 'meter', endpoint: '/a', quantity: 1000001 }, 400, 'INVALID_USAGE'],
      [
        { customerId: 'meter', endpoint: '/a', timestamp: '2026-03-10T12:06:00Z' },
        400,
        'INVALID_USAGE',
      ],
      [
        { customerId: 'meter', endpoint: '/a', timestamp: '2026-02-01T00:00:00Z' },
        400,
        'INVALID_USAGE',
      ],
      [{ customerId: 'meter', endpoint: '/a', extra: true }, 400, 'INVALID_USAGE'],
      [{ customerId: 'nobody', endpoint: '/a' }, 422, 'UNKNOWN_CUSTOMER'],
      [{ customerId: 'gone', endpoint: '/a' }, 422, 'CUSTOMER_ARCHIVED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await track(body);
      expect({ body, status: res.status, code: res.body.error }).toEqual({ body, status, code });
    }
    expect((await track({ customerId: 'meter', endpoint: '/a' }, 'read')).status).toBe(403);
    expect((await track({ customerId: 'meter', endpoint: '/a' }, 'admin')).status).toBe(201);
  });

  it('enforces the daily limit with 429 and Retry-After, per UTC day', async () => {
    await createCustomer('capped', 'free'); // 1,000 units per day
    expect((await track({ customerId: 'capped', endpoint: '/a', quantity: 600 })).status).toBe(201);
    const over = await track({ customerId: 'capped', endpoint: '/a', quantity: 600 });
    expect(over.status).toBe(429);
    expect(over.body.error).toBe('USAGE_LIMIT_EXCEEDED');
    expect(Number(over.headers['retry-after'])).toBe(12 * 3600);
    expect((await track({ customerId: 'capped', endpoint: '/a', quantity: 400 })).status).toBe(201);
    const yesterday = await track({
      customerId: 'capped',
      endpoint: '/a',
      quantity: 600,
      timestamp: '2026-03-09T12:00:00Z',
    });
    expect(yesterday.status).toBe(201);
    expect((await usageOf('capped')).body.total).toBe('1600');
  });

  it('answers a mixed batch index by index', async () => {
    await createCustomer('mixed', 'free');
    await track({ customerId: 'mixed', endpoint: '/a', eventId: 'seen', quantity: 1 });
    const res = await batch([
      { customerId: 'mixed', endpoint: '/a', eventId: 'ok-1', quantity: 500 },
      { customerId: 'mixed', endpoint: 'bad' },
      { customerId: 'mixed', endpoint: '/a', eventId: 'seen', quantity: 1 },
      { customerId: 'mixed', endpoint: '/a', eventId: 'ok-2', quantity: 499 },
      { customerId: 'mixed', endpoint: '/a', eventId: 'over', quantity: 1 },
      { customerId: 'ghost', endpoint: '/a' },
      'not an object',
    ]);
    expect(res.status).toBe(200);
    expect(
      res.body.results.map(
        (r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status,
      ),
    ).toEqual([
      'accepted',
      'INVALID_USAGE',
      'duplicate',
      'accepted',
      'USAGE_LIMIT_EXCEEDED',
      'UNKNOWN_CUSTOMER',
      'INVALID_USAGE',
    ]);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 4 });
    expect((await usageOf('mixed')).body.total).toBe('1000');
  });

  it('refuses batches that are too large, empty or malformed', async () => {
    const big = Array.from({ length: 1001 }, () => ({ customerId: 'meter', endpoint: '/a' }));
    const tooBig = await batch(big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toBe('BATCH_TOO_LARGE');
    expect((await batch([])).status).toBe(400);
    const wrong = await t.http.post('/v1/usage/batch').set(t.auth('ingest')).send({ events: 'x' });
    expect(wrong.status).toBe(400);
  });

  it('keeps usage and charges in agreement across a month boundary (half-open periods)', async () => {
    clock.set('2026-03-01T00:03:00Z');
    await createCustomer('edge');
    const events = [
      ['2026-02-27T10:00:00Z', '1000'],
      ['2026-02-28T23:59:59.999Z', '500'],
      ['2026-03-01T00:00:00Z', '700'],
      ['2026-03-01T00:01:00Z', '800.25'],
    ];
    const res = await batch(
      events.map(([timestamp, quantity], i) => ({
        customerId: 'edge',
        endpoint: '/api/q',
        eventId: `edge-${i}`,
        quantity,
        timestamp,
      })),
    );
    expect(res.body.accepted).toBe(4);
    const feb = await usageOf('edge', { from: '2026-02-01', to: '2026-03-01' });
    const mar = await usageOf('edge', { from: '2026-03-01', to: '2026-04-01' });
    expect(feb.body).toMatchObject({ total: '1500', events: 2 });
    expect(mar.body).toMatchObject({ total: '1500.25', events: 2 });
    const partial = await usageOf('edge', {
      from: '2026-02-28T12:00:00Z',
      to: '2026-03-01T00:00:30Z',
    });
    expect(partial.body).toMatchObject({ total: '1200', events: 2 });

    const febCharges = await t.http
      .get('/v1/customers/edge/charges?period=2026-02')
      .set(t.auth('read'));
    const marCharges = await t.http
      .get('/v1/customers/edge/charges?period=2026-03')
      .set(t.auth('read'));
    // paid: first 1,000 free, then 0.01
    expect(febCharges.body.lines[0]).toMatchObject({ quantity: '1500', amount: '5.00' });
    expect(marCharges.body.lines[0]).toMatchObject({ quantity: '1500.25', amount: '5.00' });
  });

  it('shows new usage on the next read although reads are cached', async () => {
    await createCustomer('fresh');
    await track({ customerId: 'fresh', endpoint: '/a', quantity: 3 });
    expect((await usageOf('fresh')).body.total).toBe('3');
    expect((await usageOf('fresh')).body.total).toBe('3');
    await track({ customerId: 'fresh', endpoint: '/a', quantity: 4 });
    expect((await usageOf('fresh')).body.total).toBe('7');
    const forced = await t.http
      .get('/v1/customers/fresh/usage')
      .set(t.auth('read'))
      .set('Cache-Control', 'no-cache');
    expect(forced.body.total).toBe('7');
    expect((await usageOf('ghost')).status).toBe(404);
    expect((await usageOf('fresh', { groupBy: 'week' })).status).toBe(400);
    expect((await usageOf('fresh', { from: '2026-03-05', to: '2026-03-01' })).status).toBe(400);
  });
});
