import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { useJsonBodies } from './common/http/json-bodies';
import { requestIdOf, requestLogger, ROOT_LOGGER, type WithPlatformId } from './common/logging';
import { MetricsService } from './common/metrics/metrics.service';
import { replyWithError } from './common/errors/error.filter';
import { buildOpenApiDocument, DOCS_JSON_PATH, DOCS_PATH } from './common/openapi';
import { RequestContext } from './common/request-context';
import type { AppConfig } from './config/configuration';
import { useCheapInterceptorScopes } from './common/http/interceptor-scope';
import { CachedReads } from './common/cache/cached-reads';

const KB = 1024;

/**
 * JSON body limits in bytes per route prefix (the prefix itself or below it); anything larger is
 * a 413 before it is parsed. A full usage batch (1,000 events) fits in 1 MB with room to spare;
 * ordinary requests are small.
 */
export const BODY_LIMITS: [string, number][] = [
  ['/v1/usage/batch', 1024 * KB],
  ['/v1/webhooks/stripe', 512 * KB],
  ['/v1/plans', 256 * KB],
  ['/v1/pricing/quote', 256 * KB],
];
export const DEFAULT_BODY_LIMIT = 64 * KB;

/** The body limit of a route, by its path template. */
export function bodyLimitOf(url: string): number {
  const path = url.toLowerCase();
  const route = BODY_LIMITS.find(
    ([prefix]) =>
      path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'),
  );
  return route?.[1] ?? DEFAULT_BODY_LIMIT;
}

/**
 * Nest options shared by production and tests: our own body parsers (`useJsonBodies`: per-route
 * limits, raw bytes kept); logs buffered until the application's logger is in place.
 */
export const NEST_APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

/**
 * The HTTP server: Fastify, as Express behaved before it where a client would notice (paths
 * match in any case and with a trailing slash, `X-Forwarded-*` trusted, idle keep-alive
 * connections closed after Node's 5 s, requests Node cannot parse answered by Node itself: a
 * bare 400, 408 or 431 and the connection closed). Request ids come from `requestIdOf`.
 */
export function httpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    // A URL the router cannot decode: answered in the usual error shape, with the usual headers.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      stamp(request, reply);
      replyWithError(request, reply, error);
    },
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: true,
    genReqId: (req: WithPlatformId) => requestIdOf(req),
    requestIdHeader: false,
    logger: false,
    keepAliveTimeout: 5000,
    // Ids longer than any real one reach their route and get its 400, not the router's 414.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 4096 },
  });
}

/**
 * Builds the application exactly as production runs it; tests call this too, so the wiring
 * they exercise is the real one.
 */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    httpAdapter(),
    { ...NEST_APP_OPTIONS, abortOnError: false },
  );
  return configureApp(app);
}

/** Everything applied on top of the module graph; shared with tests that override providers. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  useCheapInterceptorScopes();
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  serveRequests(fastify, app.get(MetricsService), requestLogger(app.get<Pino>(ROOT_LOGGER)));
  // Cache hits of @CachedResource routes are answered before Nest's router (see CachedReads).
  app.get(CachedReads).serve(fastify);
  useJsonBodies(fastify, DEFAULT_BODY_LIMIT);
  boundSlowClients(app);
  setupOpenApi(app);
  return app;
}

/**
 * helmet()'s default headers carry no per-request state (no CSP nonce), so they are computed
 * once instead of by helmet's middleware on every request.
 */
function securityHeaders(): Record<string, string> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  helmet()(req, res, () => undefined);
  return Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)]));
}

const SECURITY_HEADERS = securityHeaders();

/** What every response carries: the security headers and the request id. */
function stamp(request: FastifyRequest, reply: FastifyReply): void {
  void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
}

/**
 * The per-request pipeline below Nest. Every response carries the security headers and the
 * request id (even one refused before routing); the rest of the request runs in its own
 * request context (request id, actor). Each route gets its body limit; every finished request
 * is timed under its route template (never the raw URL, so ids do not reach the labels;
 * unknown routes are "unmatched") and logged.
 */
function serveRequests(
  fastify: FastifyInstance,
  metrics: MetricsService,
  logRequest: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  // Node's own answer to what it cannot parse (Fastify's adds a JSON body without a request id).
  fastify.server.removeAllListeners('clientError');
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitOf(route.url);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    stamp(request, reply);
    RequestContext.serve(request.id, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    logRequest(request, reply);
    done();
  });
}

/**
 * Node lets a client take 60 s to send its headers and 5 minutes for its request, and checks
 * only every 30 s, so a slow client could hold a connection for minutes. Bounded here
 * (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS), where tests exercise it too; the client
 * gets 408 and the connection is closed.
 */
function boundSlowClients(app: NestFastifyApplication): void {
  const { headersTimeoutMs, requestTimeoutMs } = app
    .get<ConfigService<AppConfig, true>>(ConfigService)
    .get('app', { infer: true });
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  // Read when the server starts listening: check often enough that the bounds hold to ~25%.
  server.connectionsCheckingInterval = Math.min(1000, Math.ceil(headersTimeoutMs / 4));
}

function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
}
