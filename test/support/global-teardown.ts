import type { EmbeddedDynamoDb } from '../../src/database/embedded-dynamodb';

export default async function globalTeardown(): Promise<void> {
  const store = (globalThis as Record<string, unknown>).__EMBEDDED_STORE__ as
    EmbeddedDynamoDb | undefined;
  await store?.stop();
}
