import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EmbeddedDynamoDb,
  freePort,
  startEmbeddedDynamoDb,
} from '../src/database/embedded-dynamodb';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * DynamoDB goes away while usage is being ingested and comes back: requests in between get a
 * clean 503 (never a 500, never a hang), readiness follows the store, and every event that was
 * acknowledged with a 2xx is there afterwards.
 */
describe('Store outage (e2e)', () => {
  let store: EmbeddedDynamoDb;
  let t: TestApp;
  let port: number;
  const dataPath = mkdtempSync(join(tmpdir(), 'billing-outage-'));

  beforeAll(async () => {
    port = await freePort();
    store = await startEmbeddedDynamoDb({ port, dataPath, startTimeoutMs: 90_000 });
    t = await startTestApp({ env: { DYNAMODB_ENDPOINT: store.endpoint } });
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'steady', email: 's@example.test', name: 'S', planId: 'enterprise' })
      .expect(201);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await store.stop();
    rmSync(dataPath, { recursive: true, force: true });
  });

  const send = async (eventId: string) => {
    const started = Date.now();
    const res = await t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId: 'steady', endpoint: '/api/x', eventId });
    return {
      eventId,
      status: res.status,
      error: res.body.error as string,
      ms: Date.now() - started,
    };
  };

  it('answers 503 during the outage, recovers, and keeps every acknowledged event', async () => {
    const results: Awaited<ReturnType<typeof send>>[] = [];
    let n = 0;
    for (; n < 30; n++) results.push(await send(`o-${n}`));
    expect(results.every((r) => r.status === 201)).toBe(true);

    await store.stop();
    const during: Awaited<ReturnType<typeof send>>[] = [];
    for (let i = 0; i < 10; i++, n++) during.push(await send(`o-${n}`));
    results.push(...during);
    expect(during.map((r) => r.status)).toEqual(Array(10).fill(503));
    expect(new Set(during.map((r) => r.error))).toEqual(new Set(['STORE_UNAVAILABLE']));
    expect(Math.max(...during.map((r) => r.ms))).toBeLessThan(15_000);
    const notReady = await t.http.get('/health/ready');
    expect(notReady.status).toBe(503);
    const other = await t.http.get('/v1/customers').set(t.auth('read'));
    expect(other.status).toBe(503);
    expect(other.body.error).toBe('STORE_UNAVAILABLE');
    expect((await t.http.get('/health/live')).status).toBe(200);

    store = await startEmbeddedDynamoDb({ port, dataPath, startTimeoutMs: 90_000 });
    const deadline = Date.now() + 30_000;
    while ((await t.http.get('/health/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error('not ready again');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < 10; i++, n++) results.push(await send(`o-${n}`));
    expect(results.slice(-10).every((r) => r.status === 201)).toBe(true);

    const acknowledged = results.filter((r) => r.status === 201);
    for (const { eventId } of acknowledged) {
      const again = await send(eventId);
      expect({ eventId, status: again.status }).toEqual({ eventId, status: 200 });
    }
    const usage = await t.http
      .get('/v1/customers/steady/usage')
      .set(t.auth('read'))
      .set('Cache-Control', 'no-cache');
    expect(usage.body.events).toBeGreaterThanOrEqual(acknowledged.length);
    expect(results.some((r) => r.status >= 500 && r.status !== 503)).toBe(false);
  }, 240_000);
});
