import { randomBytes } from 'node:crypto';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { configureApp, httpAdapter, NEST_APP_OPTIONS } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { buildOpenApiDocument } from '../../src/common/openapi';
import { type AppConfig, loadConfig } from '../../src/config/configuration';
import { contractRecorder, OpenApiContract } from './openapi-contract';

export const TEST_KEYS = {
  admin: 'test_admin_key_0123456789abcdef',
  ingest: 'test_ingest_key_0123456789abcdef',
  read: 'test_read_key_0123456789abcdef',
};

export const TEST_API_KEYS = `ops:admin:${TEST_KEYS.admin},collector:ingest:${TEST_KEYS.ingest},viewer:read:${TEST_KEYS.read}`;

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: TestAgent;
  /** Authorization header for a scope. */
  auth(scope?: keyof typeof TEST_KEYS): { Authorization: string };
  close(): Promise<void>;
}

/** A unique table per app, so suites never see each other's data. */
export function uniqueTableName(prefix = 'test'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest (global setup)');
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_TABLE: uniqueTableName(),
    BILLING_API_KEYS: TEST_API_KEYS,
    BILLING_RUN_CRON: 'off',
    ...env,
  });
}

type ModuleImport = Type | DynamicModule;

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Providers to replace, e.g. `[[Clock, fakeClock]]`; class tokens as in production. */
  overrides?: [abstract new (...args: never[]) => unknown, unknown][];
  /** Reuse another app's table (two instances on one store). */
  config?: AppConfig;
  /** Extra modules beside the application's own (e.g. a test subscriber). */
  imports?: ModuleImport[];
}

/** The production module graph and HTTP pipeline, on a table of its own. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = options.config ?? testConfig(options.env);
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
  });
  for (const [token, value] of options.overrides ?? []) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  const moduleRef = await builder.compile();
  const nest = moduleRef.createNestApplication<NestFastifyApplication>(
    httpAdapter(),
    NEST_APP_OPTIONS,
  );
  // First, so it sees every response, even those answered before routing (contract test).
  let contract: OpenApiContract | undefined;
  nest.getHttpServer().prependListener(
    'request',
    contractRecorder(() => (contract ??= new OpenApiContract(buildOpenApiDocument(nest)))),
  );
  const app = configureApp(nest);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    auth: (scope = 'admin') => ({ Authorization: `Bearer ${TEST_KEYS[scope]}` }),
    close: () => app.close(),
  };
}
