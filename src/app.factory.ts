import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { bodyParserErrors } from './common/http/body-errors';
import { requestIdMiddleware } from './common/logging';
import { RequestContext } from './common/request-context';
import type { AppConfig } from './config/configuration';

/** Largest JSON body accepted (a full usage batch of 1,000 events fits with room to spare). */
export const JSON_BODY_LIMIT = '1mb';

/**
 * Builds the application exactly as production runs it; tests call this too, so the wiring
 * they exercise is the real one.
 */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    rawBody: true,
    bufferLogs: true,
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
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
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
