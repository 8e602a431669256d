import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Module,
  type NestInterceptor,
  type CallHandler,
} from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { Observable } from 'rxjs';
import { HttpCacheInterceptor } from '../src/common/cache/http-cache.interceptor';
import { startTestApp, type TestApp } from './support/test-app';

const customer = (id: string) => ({
  id,
  email: `${id}@example.test`,
  name: `Customer ${id}`,
  planId: 'paid',
});

/** The response headers a client can compare between two answers of the same resource. */
const comparable = (headers: Record<string, string>) => {
  const { date: _date, 'x-request-id': _id, 'x-ratelimit-remaining': _left, ...rest } = headers;
  return rest;
};

const hits = async (t: TestApp) => {
  const text = (await t.http.get('/metrics')).text;
  return Number(/^cache_lookups_total\{result="hit"\} (\d+)/m.exec(text)?.[1] ?? 0);
};

describe('Cached reads answered before the Nest pipeline (e2e)', () => {
  let t: TestApp;
  let intercept: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '50' } });
    for (const id of ['reads-a', 'reads-b', 'reads-c'])
      expect((await t.http.post('/v1/customers').set(t.auth()).send(customer(id))).status).toBe(
        201,
      );
  });
  afterAll(() => t.close());
  beforeEach(() => (intercept = jest.spyOn(HttpCacheInterceptor.prototype, 'intercept')));
  afterEach(() => intercept.mockRestore());

  it('answers a hit with the bytes and headers of the miss before it, without Nest', async () => {
    const before = await hits(t);
    const get = jest.spyOn(t.app.get<Cache>(CACHE_MANAGER), 'get');
    const miss = await t.http.get('/v1/customers/reads-a').set(t.auth('read'));
    expect(intercept).toHaveBeenCalledTimes(1);
    // The preHandler's miss is not looked up again by the interceptor.
    expect(get.mock.calls.filter(([key]) => key === 'customer:reads-a')).toHaveLength(1);
    get.mockRestore();
    const hit = await t.http.get('/v1/customers/reads-a').set(t.auth('read'));
    // The hit never reached the interceptor: it was answered from the route's preHandler.
    expect(intercept).toHaveBeenCalledTimes(1);
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(miss.text);
    expect(comparable(hit.headers)).toEqual(comparable(miss.headers));
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(hit.headers['x-ratelimit-remaining'])).toBe(
      Number(miss.headers['x-ratelimit-remaining']) - 1,
    );
    expect(hit.headers['x-request-id']).toEqual(expect.any(String));
    expect(hit.headers['x-request-id']).not.toBe(miss.headers['x-request-id']);
    expect(await hits(t)).toBe(before + 1);
  });

  it('checks the key and its scope on a hit as on a miss', async () => {
    await t.http.get('/v1/customers/reads-b').set(t.auth('read'));
    const none = await t.http.get('/v1/customers/reads-b');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    const wrong = await t.http
      .get('/v1/customers/reads-b')
      .set('Authorization', 'Bearer not_a_key_0123456789abcdef');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    const ingest = await t.http.get('/v1/customers/reads-b').set(t.auth('ingest'));
    expect(ingest.status).toBe(403);
    expect(ingest.body).toMatchObject({ error: 'FORBIDDEN' });
    expect((await t.http.get('/v1/customers/reads-b').set(t.auth('admin'))).status).toBe(200);
  });

  it('answers HEAD on a cached route with the headers of GET and no body', async () => {
    const get = await t.http.get('/v1/customers/reads-b').set(t.auth('read'));
    const head = await t.http.head('/v1/customers/reads-b').set(t.auth('read'));
    expect(head.status).toBe(200);
    expect(head.text).toBeUndefined();
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect((await t.http.head('/v1/customers/reads-b')).status).toBe(401);
  });

  it('leaves requests with a query string to Nest', async () => {
    await t.http.get('/v1/customers/reads-b').set(t.auth('read'));
    intercept.mockClear();
    const res = await t.http.get('/v1/customers/reads-b?x=1').set(t.auth('read'));
    expect(res.status).toBe(200);
    expect(intercept).toHaveBeenCalledTimes(1);
  });

  it('serves what a write changed', async () => {
    await t.http.get('/v1/customers/reads-c').set(t.auth('read'));
    const patched = await t.http
      .patch('/v1/customers/reads-c')
      .set(t.auth())
      .send({ name: 'Renamed' });
    expect(patched.status).toBe(200);
    const res = await t.http.get('/v1/customers/reads-c').set(t.auth('read'));
    expect(res.body.name).toBe('Renamed');
  });
});

describe('Cached reads and the rate limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    expect(
      (await t.http.post('/v1/customers').set(t.auth()).send(customer('limited'))).status,
    ).toBe(201);
  });
  afterAll(() => t.close());

  it('counts hits and misses once each against the key, then answers 429 with Retry-After', async () => {
    const responses = [];
    for (let i = 0; i < 5; i++)
      responses.push(await t.http.get('/v1/customers/limited').set(t.auth('read')));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    const last = responses[4];
    expect(last.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    // Another key has its own minute.
    const other = await t.http.get('/v1/customers/limited').set(t.auth('admin'));
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
  });
});

/** A module's own global guard: it must see cached reads too. */
@Injectable()
class CountingGuard implements CanActivate {
  static calls = 0;
  canActivate(_context: ExecutionContext): boolean {
    CountingGuard.calls++;
    return true;
  }
}

/** A module's own global interceptor: it must see cached reads too. */
@Injectable()
class CountingInterceptor implements NestInterceptor {
  static calls = 0;
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    CountingInterceptor.calls++;
    return next.handle();
  }
}

@Module({ providers: [{ provide: APP_GUARD, useClass: CountingGuard }] })
class GuardModule {}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: CountingInterceptor }] })
class InterceptorModule {}

describe.each([
  ['guard', GuardModule, () => CountingGuard.calls],
  ['interceptor', InterceptorModule, () => CountingInterceptor.calls],
])('Cached reads with a global %s of a module (e2e)', (_kind, module, calls) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [module] });
    expect(
      (await t.http.post('/v1/customers').set(t.auth()).send(customer('guarded'))).status,
    ).toBe(201);
  });
  afterAll(() => t.close());

  it('goes through Nest, so what the module added runs for every read', async () => {
    await t.http.get('/v1/customers/guarded').set(t.auth('read'));
    const before = calls();
    for (let i = 0; i < 3; i++)
      expect((await t.http.get('/v1/customers/guarded').set(t.auth('read'))).status).toBe(200);
    expect(calls()).toBe(before + 3);
  });
});
