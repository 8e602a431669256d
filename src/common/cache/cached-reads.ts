import { type CanActivate, Injectable, Logger, RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { ApplicationConfig, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiKeyThrottlerGuard } from '../auth/api-key-throttler.guard';
import { MetricsService } from '../metrics/metrics.service';
import { CACHED_RESOURCE } from './cached-resource.decorator';
import { HttpCacheInterceptor, JSON_TYPE } from './http-cache.interceptor';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Handler = Function;

/** A cached GET route that can be answered before the Nest pipeline. */
interface CachedRoute {
  controller: Type;
  handler: Handler;
  /** The global guards, in their order: ApiKeyGuard, then ApiKeyThrottlerGuard. */
  authenticate: CanActivate;
  limit: CanActivate;
}

/**
 * Answers cache hits of `@CachedResource` GET routes from a Fastify `preHandler` hook of those
 * routes, before Nest's router: a hit runs the route's own guards (the same instances, with an
 * execution context of the same controller and handler, so the same key check, scope and rate
 * limit) and sends the cached JSON text, without Nest's guard and interceptor consumers, RxJS
 * and response controller, which were half of a cached GET's CPU. Anything else (no or a bad key,
 * a scope it lacks, a miss, a blocked key, a query string) goes on to Nest, which answers it as
 * it always did; the key check is repeated there, and the rate limit is counted only by
 * whichever path answers (a blocked hit is neither counted nor answered here).
 *
 * Only where the pipeline is exactly the one it stands for: the app's two global guards and no
 * other global guard or interceptor, no guard and only HttpCacheInterceptor on the route, no
 * `@Header`, `@HttpCode`, `@Redirect`, `@Render` or `@Sse`, a controller that is not request-
 * scoped. A module that adds a global guard or interceptor therefore sees every request, cached
 * or not (a test adds one). Routes whose path is not the controller's and the method's joined
 * (a global prefix, RouterModule, versioning) are left to Nest.
 */
@Injectable()
export class CachedReads {
  private readonly logger = new Logger('CachedReads');
  private routes?: Map<string, CachedRoute | null>;

  constructor(
    private readonly appConfig: ApplicationConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly cache: HttpCacheInterceptor,
    private readonly metrics: MetricsService,
  ) {}

  /** Adds the hook to every cached route as Nest registers it; call before `init()`. */
  serve(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (options: RouteOptions) => {
      if (options.method !== 'GET') return;
      const route = this.cachedRoutes().get(options.url ?? '');
      if (!route) return;
      const answer = (request: FastifyRequest, reply: FastifyReply) =>
        this.answer(route, request, reply);
      const own = options.preHandler;
      const hooks = own === undefined ? [] : Array.isArray(own) ? own : [own];
      // First, so a hit skips the rest; Nest adds no preHandler of its own.
      options.preHandler = [answer, ...hooks] as RouteOptions['preHandler'];
    });
  }

  private async answer(
    route: CachedRoute,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const context = new ExecutionContextHost([request, reply], route.controller, route.handler);
    try {
      if (!(await route.authenticate.canActivate(context))) return undefined;
      const cached = await this.cache.cachedResponse(context);
      if (cached === undefined) return undefined;
      if (!(await route.limit.canActivate(context))) return undefined;
      this.metrics.cacheHits.inc();
      return reply.type(JSON_TYPE).send(cached);
    } catch {
      // Nest answers it, from its own run of the same guards (401, 403, 429).
      return undefined;
    }
  }

  /** Cached GET routes by Fastify URL; null where two controllers would claim one. */
  private cachedRoutes(): Map<string, CachedRoute | null> {
    if (this.routes) return this.routes;
    this.routes = new Map();
    const guards = this.appConfig.getGlobalGuards();
    const standsFor =
      guards.length === 2 &&
      guards[0] instanceof ApiKeyGuard &&
      guards[1] instanceof ApiKeyThrottlerGuard &&
      this.appConfig.getGlobalRequestGuards().length === 0 &&
      this.appConfig.getGlobalInterceptors().length === 0 &&
      this.appConfig.getGlobalRequestInterceptors().length === 0;
    if (!standsFor) {
      this.logger.log(
        'Cached reads go through Nest: the app has guards or interceptors of its own',
      );
      return this.routes;
    }
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller || !wrapper.isDependencyTreeStatic() || !wrapper.instance) continue;
      const prototype = controller.prototype as Record<string, Handler>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (!this.answerable(controller, handler)) continue;
        const url = routeUrl(controller, handler);
        if (url === undefined) continue;
        const route = { controller, handler, authenticate: guards[0], limit: guards[1] };
        this.routes.set(url, this.routes.has(url) ? null : route);
      }
    }
    return this.routes;
  }

  private answerable(controller: Type, handler: Handler): boolean {
    const meta = (key: string, target: object) => Reflect.getMetadata(key, target) as unknown;
    if (!meta(CACHED_RESOURCE, handler) || meta(METHOD_METADATA, handler) !== RequestMethod.GET)
      return false;
    const interceptors = [
      ...((meta(INTERCEPTORS_METADATA, controller) as unknown[] | undefined) ?? []),
      ...((meta(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? []),
    ];
    const guards = [
      ...((meta(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []),
      ...((meta(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
    ];
    const unusual = [
      HEADERS_METADATA,
      HTTP_CODE_METADATA,
      REDIRECT_METADATA,
      RENDER_METADATA,
      SSE_METADATA,
    ].some((key) => meta(key, handler) !== undefined);
    return (
      guards.length === 0 &&
      interceptors.length === 1 &&
      (interceptors[0] === HttpCacheInterceptor ||
        interceptors[0] instanceof HttpCacheInterceptor) &&
      !unusual
    );
  }
}

/** `/<controller path>/<method path>`, as Nest registers it without prefixes or versions. */
function routeUrl(controller: Type, handler: Handler): string | undefined {
  const paths = [
    Reflect.getMetadata(PATH_METADATA, controller),
    Reflect.getMetadata(PATH_METADATA, handler),
  ] as unknown[];
  if (!paths.every((path) => typeof path === 'string')) return undefined;
  const parts = paths.flatMap((path) => path.split('/')).filter(Boolean);
  return `/${parts.join('/')}`;
}
