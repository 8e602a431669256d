import { deflateSync, gzipSync } from 'node:zlib';
import { LogDestination } from '../src/common/logging';
import { RawHttpClient } from './support/raw-http';
import { startTestApp, TEST_KEYS, type TestApp } from './support/test-app';

describe('Rate limiting per API key (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a key used its minute, without slowing other keys', async () => {
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await t.http.get('/v1/plans').set(t.auth('read')));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const blocked = responses[5];
    expect(blocked.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const other = await t.http.get('/v1/plans').set(t.auth('admin'));
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe('5');
    expect(other.headers['x-ratelimit-remaining']).toBe('4');
    // health probes carry no key and are never limited
    for (let i = 0; i < 8; i++) expect((await t.http.get('/health/live')).status).toBe(200);
  });
});

/** Sends a Buffer as its bytes (superagent would encode it as JSON). */
const asBytes = (body: unknown) => body as string;

describe('Cross-cutting behaviour (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('errors', () => {
    /** POSTs a customer body as bytes with the given content type and encoding. */
    const postCustomer = (body: string | Buffer, contentType: string, encoding?: string) => {
      const req = t.http.post('/v1/customers').set(t.auth()).set('Content-Type', contentType);
      if (encoding) void req.set('Content-Encoding', encoding);
      return req.serialize(asBytes).send(body);
    };

    it('answers malformed JSON with 400 in the error shape, never 500', async () => {
      const res = await postCustomer('{"id": "x", "email":', 'application/json');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'MALFORMED_JSON',
        message: expect.any(String),
        requestId: expect.any(String),
      });
    });

    it('answers unknown routes with 404 in the error shape', async () => {
      const res = await t.http.get('/v1/nothing-here').set(t.auth());
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'NOT_FOUND' });
      expect(res.body.requestId).toEqual(res.headers['x-request-id']);
    });

    it('answers a body over the limit with 413', async () => {
      const res = await t.http
        .post('/v1/customers')
        .set(t.auth())
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ id: 'big', name: 'x'.repeat(2 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
    });

    it('limits bodies per route: 64 KB in general, 1 MB for usage batches', async () => {
      const customer = {
        id: 'x',
        email: 'x@example.test',
        name: 'x'.repeat(70_000),
        planId: 'paid',
      };
      const tooBig = await t.http.post('/v1/customers').set(t.auth()).send(customer);
      expect(tooBig.status).toBe(413);
      const events = Array.from({ length: 1000 }, (_, i) => ({
        customerId: 'nobody',
        endpoint: `/api/${'e'.repeat(200)}`,
        eventId: `big-${i}`,
      }));
      const batch = await t.http.post('/v1/usage/batch').set(t.auth()).send({ events });
      expect(JSON.stringify({ events }).length).toBeGreaterThan(200_000);
      expect(batch.status).toBe(200);
    });

    it('reads gzip and deflate bodies; refuses other encodings and charsets with 400', async () => {
      const customer = (id: string) =>
        JSON.stringify({ id, name: 'Zipped', email: 'z@example.test', planId: 'paid' });
      const json = 'application/json';
      for (const [coding, pack] of [
        ['gzip', gzipSync],
        ['deflate', deflateSync],
      ] as const) {
        const res = await postCustomer(pack(customer(`zipped-${coding}`)), json, coding);
        expect([res.status, res.body.id]).toEqual([201, `zipped-${coding}`]);
      }
      const body = customer('plain');
      const refused = [
        await postCustomer(body, json, 'compress'),
        await postCustomer(body, 'application/json; charset=iso-8859-1'),
        await postCustomer(body, json, 'gzip'),
        // A Content-Type header that does not parse: Fastify refuses it before any parser runs.
        await postCustomer(body, 'a/b/c'),
      ];
      expect(refused.map((r) => [r.status, r.body.error])).toEqual([
        [400, 'UNSUPPORTED_MEDIA_TYPE'],
        [400, 'UNSUPPORTED_MEDIA_TYPE'],
        [400, 'UNREADABLE_BODY'],
        [400, 'UNSUPPORTED_MEDIA_TYPE'],
      ]);
    });

    it('reads JSON after any amount of whitespace', async () => {
      const body = `${' \n'.repeat(100)}{"id":"spaced","name":"S","email":"s@example.test","planId":"paid"}`;
      const res = await postCustomer(body, 'application/json');
      expect([res.status, res.body.id]).toEqual([201, 'spaced']);
    });

    it('counts the limit on the inflated body (a small gzip bomb is 413)', async () => {
      const bomb = gzipSync(JSON.stringify({ id: 'bomb', name: ' '.repeat(1024 * 1024) }));
      expect(bomb.length).toBeLessThan(8 * 1024);
      const res = await postCustomer(bomb, 'application/json', 'gzip');
      expect([res.status, res.body.error]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('does not read bodies of other media types: the route sees no body', async () => {
      const res = await postCustomer(
        '{"id":"plain","email":"p@example.test","planId":"paid"}',
        'text/plain',
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
    });

    it('answers a URL the router cannot decode with 400 in the error shape', async () => {
      const res = await t.http.get('/v1/customers/%E0%A4%A').set(t.auth());
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'BAD_REQUEST',
        message: expect.any(String),
        requestId: res.headers['x-request-id'],
      });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('rejects a non-object body with 400', async () => {
      const res = await t.http
        .post('/v1/customers')
        .set(t.auth())
        .set('Content-Type', 'application/json')
        .send('[1,2,3]');
      expect(res.status).toBe(400);
    });
  });

  describe('request ids', () => {
    it('puts an x-request-id on every response, keeping a sane incoming one', async () => {
      const generated = await t.http.get('/health/live');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const kept = await t.http.get('/health/live').set('x-request-id', 'trace-abc-123');
      expect(kept.headers['x-request-id']).toBe('trace-abc-123');
      const replaced = await t.http.get('/health/live').set('x-request-id', 'bad id with spaces');
      expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
    });
  });

  describe('the HTTP server', () => {
    it('matches paths in any case and with a trailing slash, as before the move to Fastify', async () => {
      for (const path of ['/v1/plans', '/V1/Plans', '/v1/plans/']) {
        const res = await t.http.get(path).set(t.auth());
        expect([path, res.status]).toEqual([path, 200]);
      }
    });

    it('closes idle keep-alive connections after 5 s and sends the security headers', async () => {
      const client = await RawHttpClient.forServer(t.app.getHttpServer());
      const res = await client
        .send({ method: 'GET', path: '/health/live' })
        .finally(() => client.close());
      expect(res.headers['keep-alive']).toBe('timeout=5');
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringMatching(/^max-age=/),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
    });
  });

  describe('API keys', () => {
    it('answers 401 without a key or with a wrong one', async () => {
      const none = await t.http.get('/v1/customers');
      expect(none.status).toBe(401);
      expect(none.body.error).toBe('UNAUTHENTICATED');
      const wrong = await t.http
        .get('/v1/customers')
        .set('Authorization', 'Bearer not_a_key_0123456789');
      expect(wrong.status).toBe(401);
      const basic = await t.http.get('/v1/customers').set('Authorization', 'Basic abc');
      expect(basic.status).toBe(401);
    });

    it('answers 403 when the scope does not allow the route', async () => {
      const readPost = await t.http
        .post('/v1/customers')
        .set(t.auth('read'))
        .send({ id: 'x', email: 'x@example.test', name: 'x', planId: 'paid' });
      expect(readPost.status).toBe(403);
      expect(readPost.body.error).toBe('FORBIDDEN');
      const ingestRead = await t.http.get('/v1/customers').set(t.auth('ingest'));
      expect(ingestRead.status).toBe(403);
      const adminRead = await t.http.get('/v1/customers').set(t.auth('admin'));
      expect(adminRead.status).toBe(200);
    });
  });

  describe('health, docs and metrics', () => {
    it('reports live and ready without a key', async () => {
      const live = await t.http.get('/health/live');
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('ok');
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.dynamodb.status).toBe('up');
    });

    it('serves the OpenAPI document with every DTO described', async () => {
      const res = await t.http.get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.body.paths['/v1/customers']).toBeDefined();
      expect(res.body.paths['/v1/plans/{id}']).toBeDefined();
      const schema = res.body.components.schemas.CreateCustomerDto;
      expect(Object.keys(schema.properties).sort()).toEqual(
        ['billingAddress', 'currency', 'email', 'id', 'metadata', 'name', 'planId', 'taxId'].sort(),
      );
      const ui = await t.http.get('/docs/');
      expect(ui.status).toBe(200);
    });

    it('exposes Prometheus metrics with route templates, never ids', async () => {
      await t.http.get('/v1/customers/some-id-123').set(t.auth('read'));
      await t.http.get('/v1/plans/paid').set(t.auth('read'));
      await t.http.get('/v1/plans/paid').set(t.auth('read'));
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_request_duration_seconds_bucket');
      expect(res.text).toMatch(/route="\/v1\/customers\/:id",status="404"/);
      expect(res.text).not.toContain('some-id-123');
      expect(res.text).toMatch(/cache_lookups_total\{result="hit"\} [1-9]/);
      expect(res.text).toMatch(/cache_lookups_total\{result="miss"\} [1-9]/);
    });
  });

  describe('plans catalogue', () => {
    it('lists the default plans loaded from config/plans.json', async () => {
      const res = await t.http.get('/v1/plans').set(t.auth('read'));
      expect(res.status).toBe(200);
      expect(res.body.data.map((p: { id: string }) => p.id).sort()).toEqual([
        'enterprise',
        'free',
        'paid',
      ]);
    });

    it('returns the paid plan with its tiers, and 404 for an unknown plan', async () => {
      const paid = await t.http.get('/v1/plans/paid').set(t.auth('read'));
      expect(paid.body).toMatchObject({ id: 'paid', currency: 'USD', version: 1 });
      expect(paid.body.limits).toEqual({ unitsPerDay: 10000 });
      expect(paid.body.charges[0].tiers).toEqual([
        { upTo: 1000, unitAmount: '0' },
        { upTo: 10000, unitAmount: '0.01' },
        { upTo: 100000, unitAmount: '0.008' },
        { upTo: null, unitAmount: '0.006' },
      ]);
      const free = await t.http.get('/v1/plans/free').set(t.auth('read'));
      expect(free.body.limits).toEqual({ unitsPerDay: 1000 });
      const missing = await t.http.get('/v1/plans/platinum').set(t.auth('read'));
      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('PLAN_NOT_FOUND');
    });
  });
});

describe('Request logs (e2e)', () => {
  const lines: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'info' },
      overrides: [[LogDestination, { write: (line: string) => void lines.push(line) }]],
    });
  });
  afterAll(() => t.close());

  it('logs one line per request (id, method, URL, status, time, level by status), no headers, no probes', async () => {
    lines.length = 0;
    const ok = await t.http.get('/v1/plans').set(t.auth()).expect(200);
    await t.http.get('/v1/plans/nope').set(t.auth()).set('x-request-id', 'trace-404').expect(404);
    await t.http.get('/health/live').expect(200);
    await t.http.get('/metrics').expect(200);
    const requests = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request completed');
    expect(requests).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: ok.headers['x-request-id'],
        req: { method: 'GET', url: '/v1/plans' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
      expect.objectContaining({
        level: 40,
        reqId: 'trace-404',
        req: { method: 'GET', url: '/v1/plans/nope' },
        res: { statusCode: 404 },
      }),
    ]);
    const all = lines.join('\n');
    expect(all).not.toContain('/health/live');
    expect(all).not.toContain(TEST_KEYS.admin);
  });
});
