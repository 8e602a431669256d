import { captureNestLogs } from './support/nest-logs';
import { RedisServer } from './support/redis-server';
import { startTestApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';

/**
 * RATE_LIMIT_PER_MINUTE is per API key across every instance when CACHE_STORE=redis (counters in
 * Redis, counted atomically by the server). While Redis is down each instance counts on its own
 * (fail open to per-instance limits, as the cache fails soft); with the default in-memory store
 * each instance always counts on its own.
 */

const PASSWORD = 'rate-limit-redis-pa55';
const KEYS = {
  ops: 'rl_ops_key_0123456789abcdef',
  viewer: 'rl_viewer_key_0123456789abcdef',
  auditor: 'rl_auditor_key_0123456789abcdef',
  outage: 'rl_outage_key_0123456789abcdef',
};
const API_KEYS = `ops:admin:${KEYS.ops},viewer:read:${KEYS.viewer},auditor:read:${KEYS.auditor},outage:read:${KEYS.outage}`;

const list = (app: TestApp, key: string) =>
  app.http.get('/v1/plans').set({ Authorization: `Bearer ${key}` });

/** `count` requests with `key` through `app`, one after another; their statuses. */
async function statuses(app: TestApp, key: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await list(app, key)).status);
  return out;
}

describe('Rate limits shared across instances (e2e)', () => {
  describe('CACHE_STORE=redis, two instances on one Redis', () => {
    let redis: RedisServer;
    let a: TestApp;
    let b: TestApp;
    let logged: string[] = [];

    beforeAll(async () => {
      logged = captureNestLogs();
      redis = await RedisServer.start(PASSWORD);
      a = await startTestApp({
        env: {
          CACHE_STORE: 'redis',
          REDIS_URL: redis.url,
          RATE_LIMIT_PER_MINUTE: '5',
          BILLING_API_KEYS: API_KEYS,
        },
      });
      b = await startTestApp({ config: a.config });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await redis?.stop();
      jest.restoreAllMocks();
    });
    afterEach(() => {
      expect(logged.filter((m) => m.includes(PASSWORD))).toEqual([]);
    });

    it('limits a key across both instances: 3 through A and 2 through B, then 429 on either', async () => {
      expect(await statuses(a, KEYS.viewer, 3)).toEqual([200, 200, 200]);
      const fourth = await list(b, KEYS.viewer);
      expect(fourth.status).toBe(200);
      // B sees the hits A counted.
      expect(fourth.headers['x-ratelimit-remaining']).toBe('1');
      expect((await list(b, KEYS.viewer)).status).toBe(200);

      const sixth = await list(b, KEYS.viewer);
      expect(sixth.status).toBe(429);
      expect(sixth.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
      expect((await list(a, KEYS.viewer)).status).toBe(429);

      // Another key has its own count, on both instances.
      const other = await list(a, KEYS.auditor);
      expect(other.status).toBe(200);
      expect(other.headers['x-ratelimit-remaining']).toBe('4');
      expect((await list(b, KEYS.auditor)).headers['x-ratelimit-remaining']).toBe('3');

      // The counters are in Redis, under the table's namespace.
      const stored = await redis.cli(
        '--scan',
        '--pattern',
        `billing:${a.config.dynamo.table}:ratelimit:*`,
      );
      expect(stored.split('\n').filter(Boolean).length).toBeGreaterThan(0);
    });

    it('counts hits sent at the same time on both instances exactly once each', async () => {
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => list(i % 2 === 0 ? a : b, KEYS.ops)),
      );
      const codes = burst.map((r) => r.status).sort();
      expect(codes.filter((s) => s === 200)).toHaveLength(5);
      expect(codes.filter((s) => s === 429)).toHaveLength(7);
    });

    it('counts per instance while Redis is down, never failing a request, and shares again once back', async () => {
      await redis.stop();
      // Each instance allows the key its own 5 (documented: fail open to per-instance limits).
      expect(await statuses(a, KEYS.outage, 6)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(await statuses(b, KEYS.outage, 6)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(logged.some((m) => /Redis for rate limits at .* is unavailable/.test(m))).toBe(true);

      await redis.restart();
      await eventually(() =>
        expect(
          logged.filter((m) => m.includes('rate limits') && m.includes('available again')),
        ).toHaveLength(2),
      );
      // A fresh Redis: the key's count starts again, shared by both.
      expect(await statuses(a, KEYS.outage, 3)).toEqual([200, 200, 200]);
      expect(await statuses(b, KEYS.outage, 3)).toEqual([200, 200, 429]);
    });
  });

  describe('default in-memory store, two instances', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      a = await startTestApp({
        env: { RATE_LIMIT_PER_MINUTE: '5', BILLING_API_KEYS: API_KEYS },
      });
      b = await startTestApp({ config: a.config });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('lets each instance count on its own (a key gets the limit per instance)', async () => {
      expect(a.config.cache.store).toBe('memory');
      expect(await statuses(a, KEYS.viewer, 6)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(await statuses(b, KEYS.viewer, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    });
  });
});
