import { CACHE_MANAGER } from '@nestjs/cache-manager';
import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, of, tap } from 'rxjs';
import { PerRoute } from '../http/per-route';
import { MetricsService } from '../metrics/metrics.service';
import { CACHED_RESOURCE, type CachedResourceOptions } from './cached-resource.decorator';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Requests whose lookup CachedReads made and missed before handing them to Nest: not looked up a
 * second time (with Redis, a second round trip). Shared by every instance of the interceptor.
 */
const missedBefore = new WeakSet<object>();

/**
 * Caches GET responses in the shared cache-manager store under resource-id keys (not URLs), so
 * services invalidate exactly the entry a write changed. Routes without `@CachedResource` are
 * never cached; errors are never cached. Counts hits and misses for /metrics. Entries are the
 * response's JSON text: a hit is sent as it is, neither copied out of the store (the memory
 * store clones objects on every read) nor serialized again.
 */
@Injectable()
export class HttpCacheInterceptor implements NestInterceptor {
  private readonly logger = new Logger('HttpCache');

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly reflector: Reflector,
    private readonly metrics: MetricsService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const key = this.keyFor(context);
    if (!key) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const cached = missedBefore.has(request) ? undefined : await this.lookup(key);
    (cached === undefined ? this.metrics.cacheMisses : this.metrics.cacheHits).inc();
    if (cached !== undefined) {
      void context.switchToHttp().getResponse<FastifyReply>().type(JSON_TYPE);
      return of(cached);
    }
    return next.handle().pipe(
      tap((response) => {
        // A failed cache write must not fail the request; the next GET simply misses again.
        this.cache.set(key, JSON.stringify(response)).catch((error: unknown) => {
          this.logger.warn({ err: error, key }, 'Could not cache a response');
        });
      }),
    );
  }

  /**
   * The cached response of this request's route, as `intercept` would send it, or undefined
   * when there is none (not a cached route, a query string, a miss). Counts nothing: for
   * CachedReads, which answers hits before the Nest pipeline (see cached-reads.ts); a miss is
   * remembered, so `intercept` does not look the same request up again.
   */
  async cachedResponse(context: ExecutionContext): Promise<string | undefined> {
    const key = this.keyFor(context);
    if (key === undefined) return undefined;
    const cached = await this.lookup(key);
    if (cached === undefined) missedBefore.add(context.switchToHttp().getRequest<object>());
    return cached;
  }

  /** The entry's JSON text; anything else is an entry of an older version: a miss, replaced. */
  private async lookup(key: string): Promise<string | undefined> {
    const cached = await this.cache.get(key);
    return typeof cached === 'string' ? cached : undefined;
  }

  /** The route's `@CachedResource` options, read once per route. */
  private readonly options = new PerRoute((handler) =>
    this.reflector.get<CachedResourceOptions | undefined>(CACHED_RESOURCE, handler),
  );

  private keyFor(context: ExecutionContext): string | undefined {
    const options = this.options.of(context);
    if (!options) return undefined;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'GET' || Object.keys(request.query ?? {}).length > 0) return undefined;
    if (!options.param) return (options.key as () => string)();
    const id = (request.params as Record<string, unknown> | undefined)?.[options.param];
    return typeof id === 'string' ? options.key(id) : undefined;
  }
}
