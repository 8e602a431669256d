import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { json } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { bodyParserErrors } from './common/http/body-errors';
import { requestIdMiddleware } from './common/logging';
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
  // The first parser that matches a route reads the body; later ones see it parsed and skip.
  for (const [path, limit] of BODY_LIMITS) app.use(path, json({ limit, verify: keepRawBody }));
  app.use(json({ limit: DEFAULT_BODY_LIMIT, verify: keepRawBody }));
  app.use(bodyParserErrors);
  setupOpenApi(app);
  return app;
}

function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Usage billing API')
      .setDescription(
        'Meters API usage, prices it with tiered plans, invoices through Stripe. Money is a decimal string in major units; errors have the shape {statusCode, error, message, details?, requestId}.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
