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
import { MetricsService } from '../metrics/metrics.service';
import { CACHED_RESOURCE, type CachedResourceOptions } from './cached-resource.decorator';

const JSON_TYPE = 'application/json; charset=utf-8';

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
    const cached = await this.cache.get(key);
    // Anything but text is an entry of an older version: a miss, replaced below.
    const hit = typeof cached === 'string';
    (hit ? this.metrics.cacheHits : this.metrics.cacheMisses).inc();
    if (hit) {
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

  private keyFor(context: ExecutionContext): string | undefined {
    const options = this.reflector.get<CachedResourceOptions | undefined>(
      CACHED_RESOURCE,
      context.getHandler(),
    );
    if (!options) return undefined;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'GET' || Object.keys(request.query ?? {}).length > 0) return undefined;
    if (!options.param) return (options.key as () => string)();
    const id = (request.params as Record<string, unknown> | undefined)?.[options.param];
    return typeof id === 'string' ? options.key(id) : undefined;
  }
}
