import type { OutgoingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { Clock } from '../src/common/time/clock';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { FakeClock } from './support/fake-clock';
import {
  BASE_CUSTOMER,
  FRESH_TOKEN,
  fuzzCase,
  KEYS,
  MALFORMED_PATH_SEGMENTS,
  NOW,
  PAST_PERIOD,
  PERIOD,
  sign,
  stripeEvent,
  toRequest,
  usageEvent,
  validBody,
  WEBHOOK_ROUTE,
  WEBHOOK_SECRET,
} from './support/fuzz-requests';
import { deepNesting, POLLUTION_MARKER } from './support/hostile-json';
import { fillTemplate, type Route, routesFromOpenApi } from './support/openapi-routes';
import { RawHttpClient, type RawRequest, type RawResponse } from './support/raw-http';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Property: whatever a client sends — wrong types, huge or deeply nested bodies, lone surrogates,
 * prototype-pollution keys, odd numbers, wrong content types, malformed percent-encoding, odd
 * headers — the service answers below 500, every error in the documented shape, and a rejected
 * request stores nothing. Routes come from /docs-json, so a new route is fuzzed without edits.
 */

const SEED = 20_260_315;
/** Requests sent at once by one property run. */
const BATCH = 6;

interface Exchange {
  key: string;
  status: number;
  tokens: string[];
  requestId?: string;
}

/** Runs `fn` over `items`, at most `size` at a time. */
async function inPool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: size }, worker));
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

/** What is wrong with a response, if anything. */
function problemWith(res: RawResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  const requestId = res.headers['x-request-id'];
  if (requestId === undefined) {
    // Node's HTTP parser refused the request before the app saw it (bad request line, headers
    // too large): those answers carry no body at all, and are never a 5xx.
    return [400, 414, 431].includes(res.status) && res.text === ''
      ? undefined
      : `status ${res.status} without x-request-id`;
  }
  if (res.status < 400) return undefined;
  const body = res.json as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null) return `error ${res.status} is not JSON`;
  const keys = Object.keys(body).sort();
  const allowed = ['details', 'error', 'message', 'requestId', 'statusCode'];
  if (keys.some((k) => !allowed.includes(k))) return `error body has keys ${keys.join(',')}`;
  if (body.statusCode !== res.status)
    return `statusCode ${String(body.statusCode)} ≠ ${res.status}`;
  if (typeof body.error !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(body.error)) {
    return `error code ${JSON.stringify(body.error)}`;
  }
  if (typeof body.message !== 'string' || body.message.length === 0) return 'message missing';
  if (body.requestId !== requestId) return 'requestId differs from x-request-id';
  if (body.details !== undefined && (typeof body.details !== 'object' || body.details === null)) {
    return 'details is not an object';
  }
  return undefined;
}

describe('Hardening: malformed input never yields a 5xx (e2e)', () => {
  let t: TestApp;
  let client: RawHttpClient;
  let routes: Route[];
  const exchanges: Exchange[] = [];
  const prototypeNames = {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    function: Object.getOwnPropertyNames(Function.prototype).sort(),
  };

  /** Sends one request, records it for the persistence checks, returns the problem if any. */
  async function exchange(route: Route, req: RawRequest): Promise<string | undefined> {
    let res: RawResponse;
    try {
      res = await client.send(req);
    } catch (error) {
      return `no response: ${(error as Error).message}`;
    }
    const text = `${req.path} ${req.body?.toString('utf8') ?? ''}`;
    const requestId = res.headers['x-request-id'];
    exchanges.push({
      key: route.key,
      status: res.status,
      tokens: [...new Set(text.match(FRESH_TOKEN) ?? [])],
      requestId: typeof requestId === 'string' ? requestId : undefined,
    });
    const problem = problemWith(res);
    return problem ? `${problem}: ${clip(res.text)}` : undefined;
  }

  const describeRequest = (req: RawRequest) =>
    `${req.method} ${clip(req.path, 200)} ${clip(JSON.stringify(req.headers), 200)} ${clip(req.body?.toString('utf8') ?? '', 200)}`;

  /**
   * Runs a property over routes; collects every distinct failure instead of stopping at one. Each
   * run sends a batch of requests at once: faster, and concurrent requests are hostile too.
   */
  async function fuzz(group: Route[], requests: number, seed: number): Promise<string[]> {
    const failures = new Map<string, string>();
    const oneCase = fc.constantFrom(...group).chain(fuzzCase);
    await fc.assert(
      fc.asyncProperty(fc.array(oneCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await Promise.all(
          cases.map(async (c) => {
            const req = toRequest(c);
            const problem = await exchange(c.route, req);
            const signature = `${c.route.key}: ${problem?.slice(0, 80)}`;
            if (problem && !failures.has(signature)) {
              failures.set(signature, `${problem}\n    ${describeRequest(req)}`);
            }
          }),
        );
      }),
      { seed, numRuns: Math.ceil(requests / BATCH) },
    );
    return [...failures].map(([sig, detail]) => `${sig} (seed ${seed})\n    ${detail}`);
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
      overrides: [[Clock, new FakeClock(NOW)]],
    });
    client = await RawHttpClient.forServer(t.app.getHttpServer());
    const documented = await routesFromOpenApi(t.http);
    routes = documented.some((r) => r.key === WEBHOOK_ROUTE)
      ? documented
      : [
          ...documented,
          {
            method: 'POST',
            template: '/v1/webhooks/stripe',
            key: WEBHOOK_ROUTE,
            tag: 'webhooks',
            pathParams: [],
            queryParams: [],
            headerParams: [],
          },
        ];
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: BASE_CUSTOMER, email: 'base@example.test', name: 'Base', planId: 'paid' })
      .expect(201);
    await t.http.post('/v1/usage').set(t.auth('ingest')).send(usageEvent('seed-1')).expect(201);
    for (const period of [PERIOD, PAST_PERIOD]) {
      await t.http
        .post('/v1/invoices')
        .set(t.auth())
        .send({ customerId: BASE_CUSTOMER, period })
        .expect(201);
    }
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('enumerates the routes from /docs-json', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.map((r) => r.key)).toEqual(
      expect.arrayContaining(['POST /v1/customers', 'POST /v1/usage/batch', WEBHOOK_ROUTE]),
    );
  });

  it('answers every route group below 500 and in the error shape (seeded property)', async () => {
    const groups = new Map<string, Route[]>();
    for (const route of routes) groups.set(route.tag, [...(groups.get(route.tag) ?? []), route]);
    const failures: string[] = [];
    let seed = SEED;
    for (const [, group] of groups) {
      // 150-300 generated requests a group (an OpenAPI tag), more for groups with more routes.
      const requests = Math.min(300, Math.max(150, 30 * group.length));
      failures.push(...(await fuzz(group, requests, seed++)));
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('survives hostile edge cases on every route', async () => {
    const admin = `Bearer ${KEYS.admin}`;
    const json = 'application/json';
    const bodies: { type?: string; encoding?: string; body: string | Buffer }[] = [
      { type: json, body: deepNesting(5000, 'array') },
      { type: json, body: deepNesting(5000, 'object') },
      { type: json, body: deepNesting(5000, 'mixed') },
      { type: json, body: deepNesting(60_000, 'array') },
      { type: json, body: JSON.stringify({ a: 'x'.repeat(200_000) }) },
      { type: json, body: JSON.stringify(['\ud800'.repeat(50_000)]) },
      { type: json, body: '' },
      { type: json, body: '{"a":1e400,"b":-0,"c":"\\u0000","__proto__":{"fzPolluted":"yes"}}' },
      { type: 'text/plain', body: '{"a":1}' },
      { type: undefined, body: '{"a":1}' },
      {
        type: 'application/x-www-form-urlencoded',
        body: '__proto__[fzPolluted]=yes&constructor[prototype][fzPolluted]=yes&a[b][c][d][e][f][g]=1&a=1&a=2',
      },
      { type: 'application/json; charset=utf-16', body: '{}' },
      { type: json, body: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) },
      { type: json, encoding: 'gzip', body: '{"plain":"not gzip"}' },
      // 20 MB of spaces in 20 KB: the limit must apply to the inflated size.
      { type: json, encoding: 'gzip', body: gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)) },
    ];
    const cases: { route: Route; req: RawRequest }[] = [];
    for (const route of routes) {
      const takesBody = !['GET', 'DELETE'].includes(route.method);
      const fresh = `fzr${900_000 + routes.indexOf(route)}`;
      const valid = takesBody ? validBody(route, fresh) : undefined;
      // Each field of a valid body in turn: 200 KB long, then 5,000 levels deep.
      const fieldBodies =
        valid && typeof valid === 'object' && !Array.isArray(valid)
          ? Object.keys(valid).flatMap((field) => [
              JSON.stringify({ ...valid, [field]: 'y'.repeat(200_000) }),
              `{${Object.entries(valid)
                .map(
                  ([k, v]) =>
                    `${JSON.stringify(k)}:${k === field ? deepNesting(5000, 'mixed') : JSON.stringify(v)}`,
                )
                .join(',')}}`,
            ])
          : [];
      const path = fillTemplate(
        route.template,
        Object.fromEntries(
          route.pathParams.map((p) => [p, p === 'period' ? PERIOD : BASE_CUSTOMER]),
        ),
      );
      const withBody = (body: string | Buffer, type?: string, encoding?: string): RawRequest => {
        const headers: OutgoingHttpHeaders = { authorization: admin };
        if (type) headers['content-type'] = type;
        if (encoding) headers['content-encoding'] = encoding;
        // The webhook signs what it gets, so hostile bodies reach its parser too.
        if (route.key === WEBHOOK_ROUTE && typeof body === 'string') {
          headers['stripe-signature'] = sign(body, Math.floor(Date.parse(NOW) / 1000));
        }
        return { method: route.method, path, headers, body };
      };
      const query = (q: string): RawRequest => ({
        method: route.method,
        path: `${path}?${q}`,
        headers: { authorization: admin },
      });
      cases.push(
        ...(takesBody ? bodies : bodies.slice(0, 1)).map((b) => ({
          route,
          req: withBody(b.body, b.type, b.encoding),
        })),
        ...fieldBodies.map((body) => ({ route, req: withBody(body, json) })),
        ...route.pathParams.flatMap((param) =>
          MALFORMED_PATH_SEGMENTS.map((segment) => ({
            route,
            req: {
              method: route.method,
              path: fillTemplate(route.template, {
                ...Object.fromEntries(route.pathParams.map((p) => [p, BASE_CUSTOMER])),
                [param]: segment,
              }),
              headers: { authorization: admin },
            },
          })),
        ),
        ...[
          'q=1&'.repeat(3000),
          'limit=1&limit=2&cursor=a&cursor=b&period=1&period=2&from=1&from=2',
          `${'x'.repeat(12_000)}=1`,
          'limit=%E0%A4%A&from=%ED%A0%80&period=%',
          '__proto__[fzPolluted]=yes&constructor[prototype][fzPolluted]=yes',
        ].map((q) => ({ route, req: query(q) })),
      );
    }
    for (const method of ['OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'CONNECT_']) {
      cases.push({
        route: routes[0],
        req: { method, path: '/v1/customers', headers: { authorization: admin } },
      });
    }
    const failures: string[] = [];
    await inPool(cases, 8, async ({ route, req }) => {
      const problem = await exchange(route, req).catch((e: Error) => `threw ${e.message}`);
      // HEAD answers carry no body, so only the status is checked.
      if (problem && !(req.method === 'HEAD' && !problem.startsWith('status 5'))) {
        failures.push(`${route.key}: ${problem}\n    ${describeRequest(req)}`);
      }
    });
    const long = await client.send({ method: 'GET', path: `/v1/customers/${'a'.repeat(100_000)}` });
    if (long.status >= 500) failures.push(`100 KB URL: ${long.status}`);
    expect(failures).toEqual([]);
  }, 60_000);

  // KNOWN DEFECT (src/webhooks, not fixed here: that module is being changed concurrently).
  // A correctly signed invoice.paid naming a draft whose period has not ended: the handler would
  // have to finalize it, which the period forbids; the event is ignored (200), not a 500 that
  // Stripe would redeliver for days.
  it('answers a signed event naming a draft of an open period below 500', async () => {
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'known-defect', email: 'kd@example.test', name: 'KD', planId: 'paid' })
      .expect(201);
    const draft = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'known-defect', period: PERIOD })
      .expect(201);
    const payload = JSON.stringify({
      ...stripeEvent('known'),
      id: 'evt_known_defect_open_period',
      type: 'invoice.paid',
      data: {
        object: {
          id: 'in_known_defect',
          object: 'invoice',
          status: 'paid',
          amount_paid: 100,
          currency: 'usd',
          metadata: { invoiceId: draft.body.id, customerId: 'known-defect' },
        },
      },
    });
    const res = await client.send({
      method: 'POST',
      path: '/v1/webhooks/stripe',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': sign(payload, Math.floor(Date.parse(NOW) / 1000)),
      },
      body: payload,
    });
    expect(res.status).toBeLessThan(500);
  });

  it('stores nothing for a rejected request', async () => {
    const succeeded = new Set(exchanges.filter((e) => e.status < 400).flatMap((e) => e.tokens));
    const rejected = exchanges.filter((e) => e.status >= 400);
    const rejectedTokens = new Set(
      rejected.flatMap((e) => e.tokens).filter((k) => !succeeded.has(k)),
    );
    // A caller may reuse an x-request-id; only ids no successful request carried count.
    const acceptedIds = new Set(exchanges.filter((e) => e.status < 400).map((e) => e.requestId));
    const rejectedIds = new Set(
      rejected.flatMap((e) => (e.requestId && !acceptedIds.has(e.requestId) ? [e.requestId] : [])),
    );
    expect(rejectedTokens.size).toBeGreaterThan(50);

    const db = t.app.get(DynamoDatabase);
    const leaks: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.doc.send(
        new ScanCommand({ TableName: db.table, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        const text = JSON.stringify(item);
        const tainted = (text.match(FRESH_TOKEN) ?? []).filter((k) => rejectedTokens.has(k));
        if (tainted.length)
          leaks.push(`${String(item.pk)} ${String(item.sk)} holds ${tainted.join(',')}`);
        if (typeof item.requestId === 'string' && rejectedIds.has(item.requestId)) {
          leaks.push(
            `${String(item.pk)} ${String(item.sk)} was written by rejected ${item.requestId}`,
          );
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    expect(leaks).toEqual([]);

    for (const id of [...rejectedTokens].slice(0, 25)) {
      expect((await t.http.get(`/v1/customers/${id}`).set(t.auth('read'))).status).toBe(404);
      expect((await t.http.get(`/v1/plans/${id}`).set(t.auth('read'))).status).toBe(404);
    }
  });

  it('never pollutes Object.prototype', () => {
    expect(({} as Record<string, unknown>)[POLLUTION_MARKER]).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames.object);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(prototypeNames.array);
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(prototypeNames.function);
    expect(Object.prototype.toString.call({})).toBe('[object Object]');
  });
});
