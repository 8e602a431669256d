import { join } from 'node:path';
import { createApp } from './app.factory';
import { loadConfigWithSecrets } from './config/secrets-manager';
import { startEmbeddedDynamoDb } from './database/embedded-dynamodb';

/** Errors whose message is the whole story: print it, no stack trace, exit non-zero. */
const EXPECTED_START_ERRORS = new Set([
  'ConfigValidationError',
  'EmbeddedStoreError',
  'PlanCatalogueError',
  'SecretsLoadError',
]);

async function bootstrap(): Promise<void> {
  // The AWS SDK warns about Node versions it will drop; engines in package.json already says which.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Values named by *_ARN / BILLING_SECRETS_ARN are read from Secrets Manager before validation.
  let config = await loadConfigWithSecrets(process.env);
  const embeddedStore = config.dynamo.embedded
    ? await startEmbeddedDynamoDb({
        port: config.dynamo.localPort || undefined,
        dataPath: config.dynamo.localInMemory ? undefined : join(config.app.dataDir, 'dynamodb'),
      })
    : undefined;
  if (embeddedStore) {
    config = { ...config, dynamo: { ...config.dynamo, endpoint: embeddedStore.endpoint } };
  }
  try {
    const app = await createApp(config, { embeddedStore });
    // Exit once shutdown hooks ran (stop accepting, drain, stop the embedded store) instead of
    // re-raising the signal, so the exit code is 0.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    // Every interface, as a container needs (Fastify alone would listen on localhost only).
    await app.listen(config.app.port, '0.0.0.0');
  } catch (error) {
    await embeddedStore?.stop();
    throw error;
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof Error && EXPECTED_START_ERRORS.has(error.name)) {
    console.error(error.message);
  } else {
    console.error('Failed to start:', error);
  }
  process.exit(1);
});
