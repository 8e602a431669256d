import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-dynamodb';
import { spawnApp, waitForHttp } from './support/app-process';
import { TEST_API_KEYS, TEST_KEYS } from './support/test-app';

/** The real entry point, as `npm start` runs it: configuration, embedded store, shutdown. */
describe('Service process (e2e)', () => {
  it('refuses to start on bad configuration, naming every problem', async () => {
    const app = spawnApp({ PORT: 'abc', DYNAMODB_TABLE: '', NODE_ENV: 'development' });
    const code = await app.exited;
    expect(code).not.toBe(0);
    expect(app.output()).toMatch(/PORT: must be a whole number/);
    expect(app.output()).toMatch(/DYNAMODB_TABLE/);
    expect(app.output()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('refuses to start in production without API keys', async () => {
    const app = spawnApp({ NODE_ENV: 'production', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' });
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toMatch(/BILLING_API_KEYS: required in production/);
  });

  it('explains a missing Java in one line instead of a stack trace', async () => {
    const app = spawnApp({ PATH: '/nonexistent', NODE_ENV: 'development', PORT: '0' });
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toMatch(/needs Java 17 or newer/);
    expect(app.output()).toContain('apt-get install -y openjdk-17-jre-headless');
    expect(app.output()).not.toMatch(/\n\s+at /);
  });

  it('keeps customers across a restart of the embedded store and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'billing-data-'));
    try {
      const port = await freePort();
      const env = {
        NODE_ENV: 'development',
        PORT: String(port),
        DATA_DIR: dataDir,
        BILLING_API_KEYS: TEST_API_KEYS,
        LOG_LEVEL: 'warn',
      };
      const base = `http://127.0.0.1:${port}`;
      const headers = {
        Authorization: `Bearer ${TEST_KEYS.admin}`,
        'Content-Type': 'application/json',
      };

      const first = spawnApp(env);
      await waitForHttp(`${base}/health/ready`, 60_000, first);
      const created = await fetch(`${base}/v1/customers`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'durable', email: 'd@example.test', name: 'D', planId: 'free' }),
      });
      expect(created.status).toBe(201);
      // SIGTERM while a large batch is in flight: the request still completes, then the process
      // drains (event relay flushed, embedded store stopped) and exits 0 within 10 s.
      const inFlight = fetch(`${base}/v1/usage/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          events: Array.from({ length: 500 }, (_, i) => ({
            customerId: 'durable',
            endpoint: '/api/x',
            eventId: `drain-${i}`,
          })),
        }),
      });
      await new Promise((r) => setTimeout(r, 50));
      const stopping = Date.now();
      first.child.kill('SIGTERM');
      const drained = await inFlight;
      expect(drained.status).toBe(200);
      expect(((await drained.json()) as { accepted: number }).accepted).toBe(500);
      expect(await first.exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);

      const second = spawnApp(env);
      await waitForHttp(`${base}/health/ready`, 60_000, second);
      const fetched = await fetch(`${base}/v1/customers/durable`, { headers });
      expect(fetched.status).toBe(200);
      expect(((await fetched.json()) as { planId: string }).planId).toBe('free');
      const usage = await fetch(`${base}/v1/customers/durable/usage`, { headers });
      expect(((await usage.json()) as { events: number }).events).toBe(500);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
