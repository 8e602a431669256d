import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './common/openapi';
import { loadConfig } from './config/configuration';

/**
 * Writes the OpenAPI document (the one `/docs-json` serves) to a file, default
 * `dist/openapi.json`, from the module graph alone: the app is created but not initialised, so
 * no HTTP server starts and nothing connects to a store. `npm run lint` lints what it writes.
 */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const out = process.argv[2] ?? 'dist/openapi.json';
  // The document does not depend on the configuration; any valid one will do.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
    BILLING_RUN_CRON: 'off',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  try {
    const document = buildOpenApiDocument(app);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`Wrote ${out}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error('Could not write the OpenAPI document:', error);
  process.exit(1);
});
