import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { json } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { bodyParserErrors } from './common/http/body-errors';
import { requestIdMiddleware } from './common/logging';
import { buildOpenApiDocument, DOCS_JSON_PATH, DOCS_PATH } from './common/openapi';
import { RequestContext } from './common/request-context';
import type { AppConfig } from './config/configuration';

/**
 * JSON body limits per route prefix; anything larger is a 413 before it is parsed. A full usage
 * batch (1,000 events) fits in 1 MB with room to spare; ordinary requests are small.
 */
export const BODY_LIMITS: [string, string][] = [
  ['/v1/usage/batch', '1mb'],
  ['/v1/webhooks/stripe', '512kb'],
  ['/v1/plans', '256kb'],
  ['/v1/pricing/quote', '256kb'],
];
export const DEFAULT_BODY_LIMIT = '64kb';

/** Nest options shared by production and tests: our own body parsers (per-route limits). */
export const NEST_APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

/** Keeps the exact bytes for signature checks (Stripe webhooks verify the raw body). */
const keepRawBody = (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, buf: Buffer) => {
  req.rawBody = buf;
};

/** Whether a request carries a body, as body-parser decides it (type-is `hasBody`). */
const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  !Number.isNaN(Number(req.headers['content-length'] ?? NaN));

/**
 * One middleware for every JSON body: the parser of the first BODY_LIMITS prefix the path falls
 * under (as Express mounts a path: the prefix itself or below it, any case), else the default.
 * A request without a body (every GET) passes through at once instead of visiting each parser.
 */
function jsonBodies(): (
  req: IncomingMessage,
  res: ServerResponse,
  next: (e?: unknown) => void,
) => void {
  const options = { verify: keepRawBody };
  const routes = BODY_LIMITS.map(([path, limit]) => ({
    path: path.toLowerCase(),
    parse: json({ ...options, limit }),
  }));
  const fallback = json({ ...options, limit: DEFAULT_BODY_LIMIT });
  return (req, res, next) => {
    if (!hasBody(req)) {
      (req as IncomingMessage & { body?: unknown }).body = undefined;
      return next();
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
    const route = routes.find(
      (r) =>
        path.startsWith(r.path) && (path.length === r.path.length || path[r.path.length] === '/'),
    );
    (route?.parse ?? fallback)(req, res, next);
  };
}

/**
 * Builds the application exactly as production runs it; tests call this too, so the wiring
 * they exercise is the real one.
 */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    ...NEST_APP_OPTIONS,
    abortOnError: false,
  });
  return configureApp(app);
}

/** Everything applied on top of the module graph; shared with tests that override providers. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  // First, so even requests that fail in the body parser carry an id in their error response.
  app.use(requestIdMiddleware);
  app.use(RequestContext.middleware);
  app.use(helmet());
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(jsonBodies());
  app.use(bodyParserErrors);
  boundSlowClients(app);
  setupOpenApi(app);
  return app;
}

/**
 * Node lets a client take 60 s to send its headers and 5 minutes for its request, and checks
 * only every 30 s, so a slow client could hold a connection for minutes. Bounded here
 * (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS), where tests exercise it too; the client
 * gets 408 and the connection is closed. Idle keep-alive connections keep Node's 5 s.
 */
function boundSlowClients(app: NestExpressApplication): void {
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
