import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigValidationError, loadConfig } from '../src/config/configuration';
import { captureNestLogs } from './support/nest-logs';
import { RedisServer } from './support/redis-server';
import { startTestApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';

/**
 * Two instances on one table. With CACHE_STORE=redis a change through one is visible through the
 * other at once, and Redis failing (stopped or hung) never fails a request. With the default
 * in-memory store each instance keeps its own copy until CACHE_TTL_SECONDS (documented behaviour).
 */

const PASSWORD = 's3cret-redis-pa55';

const customer = (id: string) => ({
  id,
  email: `${id}@example.test`,
  name: `Customer ${id}`,
  planId: 'paid',
});

const plan = (id: string, baseFee: string) => ({
  id,
  name: `Plan ${id}`,
  currency: 'USD',
  baseFee,
  minimumCharge: '0',
  charges: [
    { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '0.01' },
  ],
});

describe('Shared cache (e2e)', () => {
  describe('configuration', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigValidationError) return error.problems;
        throw error;
      }
      return [];
    };

    it('keeps the in-memory store by default and requires REDIS_URL for redis', () => {
      expect(loadConfig({}).cache).toMatchObject({ store: 'memory', redisUrl: undefined });
      expect(problems({ CACHE_STORE: 'redis', CACHE_TTL_SECONDS: 'x' })).toEqual([
        'CACHE_TTL_SECONDS: must be a whole number, got "x"',
        'REDIS_URL: required when CACHE_STORE is redis',
      ]);
      expect(problems({ CACHE_STORE: 'memcached' })).toEqual([
        'CACHE_STORE: must be memory or redis',
      ]);
    });

    it('accepts redis:// and rediss:// URLs only, never echoing the value', () => {
      const url = `rediss://app:${PASSWORD}@cache.internal:6380/2`;
      expect(loadConfig({ CACHE_STORE: 'redis', REDIS_URL: url }).cache).toMatchObject({
        store: 'redis',
        redisUrl: url,
      });
      for (const bad of [`http://app:${PASSWORD}@cache.internal`, `redis:${PASSWORD}`, 'nope']) {
        const found = problems({ CACHE_STORE: 'redis', REDIS_URL: bad });
        expect(found).toEqual([
          'REDIS_URL: must be a redis:// or rediss:// URL such as redis://localhost:6379',
        ]);
        expect(found.join()).not.toContain(PASSWORD);
      }
    });
  });

  describe('CACHE_STORE=redis, two instances on one table', () => {
    let redis: RedisServer;
    let a: TestApp;
    let b: TestApp;
    let logged: string[] = [];

    beforeAll(async () => {
      logged = captureNestLogs();
      redis = await RedisServer.start(PASSWORD);
      const env = {
        CACHE_STORE: 'redis',
        REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
      };
      a = await startTestApp({ env });
      b = await startTestApp({ config: a.config });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await redis?.stop();
      jest.restoreAllMocks();
    });
    afterEach(() => {
      // The password in REDIS_URL never reaches the log.
      expect(logged.filter((m) => m.includes(PASSWORD))).toEqual([]);
    });

    const getCustomer = (app: TestApp, id: string) =>
      app.http.get(`/v1/customers/${id}`).set(app.auth('read')).expect(200);
    const rename = (app: TestApp, id: string, name: string) =>
      app.http.patch(`/v1/customers/${id}`).set(app.auth()).send({ name }).expect(200);
    const usageOf = (app: TestApp, id: string) =>
      app.http.get(`/v1/customers/${id}/usage`).set(app.auth('read')).expect(200);
    const track = (app: TestApp, id: string, eventId: string) =>
      app.http
        .post('/v1/usage')
        .set(app.auth('ingest'))
        .send({ customerId: id, endpoint: '/api/a', eventId, quantity: 2 })
        .expect(201);

    it('shows a customer changed through A on B at once', async () => {
      await a.http.post('/v1/customers').set(a.auth()).send(customer('shared')).expect(201);
      expect((await getCustomer(b, 'shared')).body.name).toBe('Customer shared');
      // B's response is cached in Redis, under the table's namespace.
      const key = `billing:${a.config.dynamo.table}:customer:shared`;
      expect(await redis.cli('EXISTS', key)).toBe('1');

      await rename(a, 'shared', 'Renamed through A');
      expect(await redis.cli('EXISTS', key)).toBe('0');
      expect((await getCustomer(b, 'shared')).body.name).toBe('Renamed through A');
      expect((await getCustomer(a, 'shared')).body.name).toBe('Renamed through A');
    });

    it('shows a new plan version added through A on B at once', async () => {
      await a.http.post('/v1/plans').set(a.auth()).send(plan('team', '10.00')).expect(201);
      const before = await b.http.get('/v1/plans/team').set(b.auth('read')).expect(200);
      expect(before.body).toMatchObject({ version: 1, baseFee: '10.00' });

      await a.http.put('/v1/plans/team').set(a.auth()).send(plan('team', '12.50')).expect(200);
      const after = await b.http.get('/v1/plans/team').set(b.auth('read')).expect(200);
      expect(after.body).toMatchObject({ version: 2, baseFee: '12.50' });
    });

    it('shows usage ingested through A in usage read through B at once', async () => {
      await a.http.post('/v1/customers').set(a.auth()).send(customer('metered')).expect(201);
      expect((await usageOf(b, 'metered')).body).toMatchObject({ total: '0', events: 0 });
      expect((await usageOf(b, 'metered')).body.events).toBe(0); // served from the cache

      await track(a, 'metered', 'u-1');
      expect((await usageOf(b, 'metered')).body).toMatchObject({ total: '2', events: 1 });
    });

    it('serves every request from DynamoDB while Redis is stopped, and uses it again once back', async () => {
      await a.http.post('/v1/customers').set(a.auth()).send(customer('outage')).expect(201);
      await getCustomer(b, 'outage'); // cached
      await redis.stop();

      expect((await getCustomer(b, 'outage')).body.name).toBe('Customer outage');
      await rename(a, 'outage', 'Renamed during the outage');
      expect((await getCustomer(b, 'outage')).body.name).toBe('Renamed during the outage');
      await track(a, 'outage', 'o-1');
      expect((await usageOf(b, 'outage')).body.events).toBe(1);
      await b.http.get('/v1/plans/team').set(b.auth('read')).expect(200);
      await a.http.put('/v1/plans/team').set(a.auth()).send(plan('team', '15.00')).expect(200);
      const plan3 = await b.http.get('/v1/plans/team').set(b.auth('read')).expect(200);
      expect(plan3.body).toMatchObject({ version: 3, baseFee: '15.00' });
      expect(logged.some((m) => /Redis cache at .* is unavailable/.test(m))).toBe(true);

      await redis.restart();
      const key = `billing:${a.config.dynamo.table}:customer:outage`;
      await eventually(async () => {
        await getCustomer(b, 'outage');
        expect(await redis.cli('EXISTS', key)).toBe('1');
      });
      await eventually(() =>
        expect(logged.filter((m) => m.includes('available again')).length).toBeGreaterThanOrEqual(
          2,
        ),
      );
      await rename(a, 'outage', 'Renamed after the outage');
      expect((await getCustomer(b, 'outage')).body.name).toBe('Renamed after the outage');
    });

    it('answers promptly while Redis hangs (no reply at all), then recovers', async () => {
      await getCustomer(b, 'shared'); // cached
      redis.pause();
      try {
        const started = Date.now();
        expect((await getCustomer(b, 'shared')).body.name).toBe('Renamed through A');
        await track(a, 'metered', 'u-hang');
        expect((await usageOf(b, 'metered')).body.events).toBe(2);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(logged.some((m) => /took over \d+ ms/.test(m))).toBe(true);
      } finally {
        redis.resume();
      }
      await sleep(5_500); // Redis is skipped for a while after a timeout
      await rename(a, 'shared', 'Renamed after the hang');
      expect((await getCustomer(b, 'shared')).body.name).toBe('Renamed after the hang');
      await getCustomer(b, 'shared');
      expect(await redis.cli('EXISTS', `billing:${a.config.dynamo.table}:customer:shared`)).toBe(
        '1',
      );
    });
  });

  describe('default in-memory store, two instances on one table', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      a = await startTestApp({ env: { CACHE_TTL_SECONDS: '3' } });
      b = await startTestApp({ config: a.config });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('lets B serve its own stale copy until CACHE_TTL_SECONDS has passed', async () => {
      expect(a.config.cache.store).toBe('memory');
      await a.http.post('/v1/customers').set(a.auth()).send(customer('local')).expect(201);
      await a.http.post('/v1/plans').set(a.auth()).send(plan('solo', '10.00')).expect(201);
      const firstCached = Date.now();
      await b.http.get('/v1/customers/local').set(b.auth('read')).expect(200);
      await b.http.get('/v1/plans/solo').set(b.auth('read')).expect(200);
      const lastCached = Date.now();

      await a.http.patch('/v1/customers/local').set(a.auth()).send({ name: 'New' }).expect(200);
      await a.http.put('/v1/plans/solo').set(a.auth()).send(plan('solo', '20.00')).expect(200);
      const staleCustomer = await b.http.get('/v1/customers/local').set(b.auth('read')).expect(200);
      const stalePlan = await b.http.get('/v1/plans/solo').set(b.auth('read')).expect(200);
      expect(Date.now() - firstCached).toBeLessThan(3_000); // still within the TTL
      expect(staleCustomer.body.name).toBe('Customer local');
      expect(stalePlan.body).toMatchObject({ version: 1, baseFee: '10.00' });
      // A invalidated its own cache, so it is right at once.
      const onA = await a.http.get('/v1/customers/local').set(a.auth('read')).expect(200);
      expect(onA.body.name).toBe('New');

      await sleep(Math.max(0, lastCached + 3_200 - Date.now()));
      const freshCustomer = await b.http.get('/v1/customers/local').set(b.auth('read')).expect(200);
      expect(freshCustomer.body.name).toBe('New');
      const fresh = await b.http.get('/v1/plans/solo').set(b.auth('read')).expect(200);
      expect(fresh.body).toMatchObject({ version: 2, baseFee: '20.00' });
    });
  });
});
