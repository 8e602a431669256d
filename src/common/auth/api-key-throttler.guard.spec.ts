import {
  type ArgumentsHost,
  type CanActivate,
  Catch,
  Controller,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SkipThrottle, Throttle, ThrottlerModule } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiKeyThrottlerGuard, RateLimited } from './api-key-throttler.guard';
import type { AuthenticatedRequest } from './api-key.guard';
import { MemoryThrottlerStorage } from './memory-throttler-storage';

/** Stands for ApiKeyGuard: the caller named in `x-key`, if any. */
class Identify implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const name = request.headers['x-key'];
    if (typeof name === 'string') request.principal = { name, scope: 'read' };
    return true;
  }
}

@Catch(RateLimited)
class RateLimitedFilter implements ExceptionFilter {
  catch(error: RateLimited, host: ArgumentsHost): void {
    void host.switchToHttp().getResponse<FastifyReply>().status(429).send({ error: error.code });
  }
}

@Controller('limits')
class LimitsController {
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('tight')
  @Throttle({ default: { limit: 1, ttl: 60_000 } })
  tight() {
    return { ok: true };
  }

  @Get('skipped')
  @SkipThrottle()
  skipped() {
    return { ok: true };
  }

  /** A limit worked out per request takes the package's own path. */
  @Get('dynamic')
  @Throttle({ default: { limit: () => 2, ttl: 60_000 } })
  dynamic() {
    return { ok: true };
  }
}

describe('ApiKeyThrottlerGuard', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: 3 }],
          storage: new MemoryThrottlerStorage(),
        }),
      ],
      controllers: [LimitsController],
      providers: [
        { provide: APP_GUARD, useClass: Identify },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_FILTER, useClass: RateLimitedFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const get = (path: string, key?: string) =>
    app.inject({ method: 'GET', url: `/limits/${path}`, headers: key ? { 'x-key': key } : {} });
  const statuses = async (path: string, key: string, times: number) => {
    const out: number[] = [];
    for (let i = 0; i < times; i++) out.push((await get(path, key)).statusCode);
    return out;
  };

  it("counts each key's requests in its window, with the limit headers, then refuses", async () => {
    const first = await get('plain', 'alpha');
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '60',
    });
    expect(await statuses('plain', 'alpha', 3)).toEqual([200, 200, 429]);
    const refused = await get('plain', 'alpha');
    expect(refused.json()).toEqual({ error: 'RATE_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await statuses('plain', 'beta', 3)).toEqual([200, 200, 200]);
  });

  it("applies a route's own @Throttle limit and leaves @SkipThrottle routes alone", async () => {
    expect(await statuses('tight', 'gamma', 2)).toEqual([200, 429]);
    // Each route has its own count: the key's plain-route window is untouched.
    expect((await get('plain', 'gamma')).headers['x-ratelimit-remaining']).toBe('2');
    const skipped = await get('skipped', 'gamma');
    expect(skipped.statusCode).toBe(200);
    expect(skipped.headers).not.toHaveProperty('x-ratelimit-limit');
    expect(await statuses('skipped', 'gamma', 5)).toEqual([200, 200, 200, 200, 200]);
  });

  it('resolves a limit given as a function on every request, as the package does', async () => {
    expect(await statuses('dynamic', 'delta', 3)).toEqual([200, 200, 429]);
    expect((await get('dynamic', 'epsilon')).headers['x-ratelimit-limit']).toBe('2');
  });

  it('does not limit requests without a key', async () => {
    const res = await get('tight');
    expect(res.statusCode).toBe(200);
    expect(res.headers).not.toHaveProperty('x-ratelimit-limit');
    expect((await get('tight')).statusCode).toBe(200);
  });
});
