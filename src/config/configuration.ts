import { z } from 'zod';
import { configFragments, type ModuleConfigs, reserveCoreNamespaces } from './config-fragment';
import { bool, type Env, int, optionalString, optionalUrl, zodProblems } from './env-vars';
import { conflictsOf, type SecretValues, secretSourcesOf } from './secret-sources';

/**
 * The one place that reads the environment. Everything else receives the typed result through
 * `ConfigService<AppConfig, true>`, so configuration is validated exactly once. The namespaces
 * here are the core's (HTTP, store, cache, keys); each module defines its own next to its code
 * (`defineConfig`, see config-fragment.ts) and they are all validated together below.
 */

export type ApiKeyScope = 'admin' | 'ingest' | 'read';

export interface ApiKeyConfig {
  name: string;
  scope: ApiKeyScope;
  key: string;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const API_KEY_ENTRY = /^([A-Za-z0-9_.-]{1,64}):(admin|ingest|read):(\S{16,256})$/;

function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(3000, 0, 65535),
  // Slow clients must not hold connections: the whole header block, and the whole request, must
  // arrive within these (Node answers 408 and closes the connection otherwise).
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DYNAMODB_TABLE: z
    .string()
    .default('billing')
    .refine((v) => /^[A-Za-z0-9_.-]{3,255}$/.test(v), {
      message: 'must be 3-255 characters of letters, digits, "_", "-" or "."',
    }),
  DYNAMODB_ENDPOINT: optionalUrl('http://localhost:8000'),
  DYNAMODB_LOCAL_PORT: int(0, 0, 65535),
  DYNAMODB_LOCAL_IN_MEMORY: bool(false),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  CACHE_TTL_SECONDS: int(300, 0, 86_400),
  CACHE_MAX_ITEMS: int(1000, 1, 10_000_000),
  CACHE_STORE: z
    .enum(['memory', 'redis'], { message: 'must be memory or redis' })
    .default('memory'),
  // The URL may hold a password: messages describe the problem and never echo the value.
  REDIS_URL: optionalString.refine((v) => v === undefined || isRedisUrl(v), {
    message: 'must be a redis:// or rediss:// URL such as redis://localhost:6379',
  }),
  BILLING_API_KEYS: optionalString,
  RATE_LIMIT_PER_MINUTE: int(60_000, 0, 100_000_000),
  // Secrets Manager (see secret-sources.ts for the *_ARN variables): a test or local endpoint,
  // and how often the secrets are read again (0: only at start).
  SECRETS_MANAGER_ENDPOINT: optionalUrl('http://localhost:4566'),
  SECRETS_REFRESH_SECONDS: int(300, 0, 86_400),
  DATA_DIR: z.string().default('.data'),
});

/** BILLING_API_KEYS (`name:scope:key,...`), from the variable or from Secrets Manager. */
export function parseApiKeys(raw: string | undefined, problems: string[]): ApiKeyConfig[] {
  if (!raw) return [];
  const keys: ApiKeyConfig[] = [];
  raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .forEach((entry, index) => {
      const match = API_KEY_ENTRY.exec(entry);
      if (!match) {
        // Never echo the entry itself: it may hold a real key.
        problems.push(
          `BILLING_API_KEYS: entry ${index + 1} must be name:scope:key with scope admin|ingest|read and a key of at least 16 characters`,
        );
        return;
      }
      keys.push({ name: match[1], scope: match[2] as ApiKeyScope, key: match[3] });
    });
  const names = new Set<string>();
  for (const k of keys) {
    if (names.has(k.name)) problems.push(`BILLING_API_KEYS: name "${k.name}" is used twice`);
    names.add(k.name);
  }
  return keys;
}

const CORE_NAMESPACES = [
  'app',
  'dynamo',
  'cache',
  'auth',
  'rateLimit',
  'secrets',
  'secretsManager',
];
reserveCoreNamespaces(CORE_NAMESPACES);

function loadCore(env: Env, problems: string[]) {
  const { sources } = secretSourcesOf(env);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) problems.push(...zodProblems(parsed.error));
  const apiKeys = parseApiKeys(env.BILLING_API_KEYS, problems);
  // Checked on the raw values so it is listed together with every other problem.
  if (env.CACHE_STORE === 'redis' && !env.REDIS_URL?.trim()) {
    problems.push('REDIS_URL: required when CACHE_STORE is redis');
  }
  if (!parsed.success) return undefined;

  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction && apiKeys.length === 0 && problems.length === 0) {
    problems.push('BILLING_API_KEYS: required in production (no API keys configured)');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  return {
    app: {
      nodeEnv: e.NODE_ENV,
      isProduction,
      port: e.PORT,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      logLevel: e.LOG_LEVEL,
      dataDir: e.DATA_DIR,
    },
    dynamo: {
      table: e.DYNAMODB_TABLE,
      endpoint: e.DYNAMODB_ENDPOINT,
      region: e.AWS_REGION,
      embedded: !e.DYNAMODB_ENDPOINT && !isProduction,
      localPort: e.DYNAMODB_LOCAL_PORT,
      localInMemory: e.DYNAMODB_LOCAL_IN_MEMORY,
      createTableIfMissing: !isProduction,
      // DynamoDB Local accepts any credentials; real AWS uses the SDK's default provider chain.
      localCredentials: {
        accessKeyId: e.AWS_ACCESS_KEY_ID ?? 'local',
        secretAccessKey: e.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
    },
    cache: {
      ttlSeconds: e.CACHE_TTL_SECONDS,
      maxItems: e.CACHE_MAX_ITEMS,
      store: e.CACHE_STORE,
      /** May hold a password: never log it (see redactRedisUrl). */
      redisUrl: e.REDIS_URL,
    },
    auth: { apiKeys },
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE },
    secretsManager: {
      /** The secrets read at start and on refresh; empty when every value is set directly. */
      sources,
      endpoint: e.SECRETS_MANAGER_ENDPOINT,
      region: e.AWS_REGION,
      refreshSeconds: e.SECRETS_REFRESH_SECONDS,
      /**
       * Refresh on a timer (long-lived process). Not with RUN_MODE=lambda (validated by the jobs
       * configuration), where no timer may outlive an invocation: the handler calls
       * `SecretsRefresher.refreshIfStale()` per invocation instead.
       */
      refreshTimer: env.RUN_MODE !== 'lambda',
    },
  };
}

type CoreConfig = NonNullable<ReturnType<typeof loadCore>>;

/**
 * The core namespaces, every module's namespace, and `secrets` (every configured value that must
 * never reach a log line). Throws one ConfigValidationError listing every problem found.
 */
export type AppConfig = CoreConfig & ModuleConfigs & { secrets: string[] };

/**
 * `fromSecretsManager`: the values read from the secrets the environment names (see
 * `loadConfigWithSecrets`, which reads them); they are validated exactly like the variables.
 */
export function loadConfig(rawEnv: Env, fromSecretsManager?: SecretValues): AppConfig {
  const { sources, problems } = secretSourcesOf(rawEnv);
  if (sources.length > 0 && !fromSecretsManager) {
    problems.push(
      `${sources[0].variable}: secrets are read by loadConfigWithSecrets; loadConfig does not call Secrets Manager`,
    );
  }
  if (fromSecretsManager) problems.push(...conflictsOf(rawEnv, fromSecretsManager, sources));
  const env: Env = { ...rawEnv, ...fromSecretsManager };
  const core = loadCore(env, problems);
  const context = { isProduction: env.NODE_ENV === 'production' };
  const modules: Record<string, unknown> = {};
  const secrets: (string | undefined)[] = [];
  for (const fragment of configFragments()) {
    const loaded = fragment.load(env, context);
    if ('value' in loaded) {
      modules[fragment.namespace] = loaded.value;
      secrets.push(...fragment.secrets(loaded.value));
    } else {
      problems.push(...loaded.problems);
    }
  }
  if (!core || problems.length > 0) throw new ConfigValidationError(problems);
  secrets.push(
    ...core.auth.apiKeys.map((k) => k.key),
    core.dynamo.localCredentials.secretAccessKey,
  );
  return {
    ...core,
    ...(modules as unknown as ModuleConfigs),
    secrets: secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8),
  };
}
