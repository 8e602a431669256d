import { startEmbeddedDynamoDb } from '../../src/database/embedded-dynamodb';

/**
 * One DynamoDB Local (in memory) for the whole e2e run. Suites isolate themselves by using a
 * table of their own (see test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const store = await startEmbeddedDynamoDb({ startTimeoutMs: 60_000 });
  process.env.TEST_DYNAMODB_ENDPOINT = store.endpoint;
  (globalThis as Record<string, unknown>).__EMBEDDED_STORE__ = store;
}
