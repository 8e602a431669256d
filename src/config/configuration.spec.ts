import { defineConfig } from './config-fragment';
import { secretScrubber } from '../common/logging';
import { ConfigValidationError, loadConfig } from './configuration';
import { int, optionalUrl } from './env-vars';
// The fragments this spec checks, as the modules that own them define them.
import '../audit/audit.config';
import '../events/events.config';
import '../stripe/stripe.config';
import '../usage/usage.config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.app.port).toBe(3000);
    expect(config.dynamo).toMatchObject({ table: 'billing', region: 'us-east-1', embedded: true });
    expect(config.cache).toEqual({
      ttlSeconds: 300,
      maxItems: 1000,
      store: 'memory',
      redisUrl: undefined,
    });
    expect(config.events.publishingEnabled).toBe(true);
    expect(config.audit.enabled).toBe(true);
    expect(config.usage.maxAgeDays).toBe(35);
    expect(config.rateLimit.perMinute).toBe(60000);
    expect(config.stripe.enabled).toBe(false);
  });

  it('reports every bad value at once', () => {
    const problems = problemsOf({ PORT: 'abc', DYNAMODB_TABLE: '', CACHE_TTL_SECONDS: '-1' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/DYNAMODB_TABLE/);
    expect(problems.join('\n')).toMatch(/CACHE_TTL_SECONDS/);
  });

  it('bounds slow clients: 10 s for headers, 30 s for a request, headers within the request', () => {
    expect(loadConfig({}).app).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
    });
    expect(
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '500' }).app,
    ).toMatchObject({ headersTimeoutMs: 500, requestTimeoutMs: 500 });
    expect(
      problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    ).toEqual(['HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS']);
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '0' }).join()).toMatch(/HTTP_HEADERS_TIMEOUT_MS/);
  });

  it('parses BILLING_API_KEYS and never echoes a malformed entry', () => {
    const config = loadConfig({
      BILLING_API_KEYS: 'ops:admin:k_4f0123456789abcdef, collector:ingest:k_9a0123456789abcdef',
    });
    expect(config.auth.apiKeys).toEqual([
      { name: 'ops', scope: 'admin', key: 'k_4f0123456789abcdef' },
      { name: 'collector', scope: 'ingest', key: 'k_9a0123456789abcdef' },
    ]);
    const problems = problemsOf({ BILLING_API_KEYS: 'ops:root:secret_value_0123456789' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('secret_value');
  });

  it('requires API keys in production and never embeds the store there', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'BILLING_API_KEYS: required in production (no API keys configured)',
    ]);
    const config = loadConfig({
      NODE_ENV: 'production',
      BILLING_API_KEYS: 'ops:admin:k_4f0123456789abcdef',
    });
    expect(config.dynamo.embedded).toBe(false);
    expect(config.dynamo.createTableIfMissing).toBe(false);
  });

  it('turns Stripe on only with a secret key', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x' }).stripe.enabled).toBe(true);
    expect(loadConfig({ STRIPE_SECRET_KEY: '' }).stripe.enabled).toBe(false);
  });
});

describe('module configuration fragments', () => {
  const exampleConfig = defineConfig(
    'exampleModule',
    { EXAMPLE_URL: optionalUrl('https://example.com'), EXAMPLE_LIMIT: int(5, 1, 10) },
    (e) => ({ url: e.EXAMPLE_URL, limit: e.EXAMPLE_LIMIT, token: 'example-token-123' }),
    {
      check: (value, _context, problems) => {
        if (value.limit > 8 && !value.url)
          problems.push('EXAMPLE_URL: required when EXAMPLE_LIMIT > 8');
      },
      secrets: (value) => [value.token],
    },
  );

  it('validates every fragment together with the core: one list of every problem', () => {
    const problems = problemsOf({ PORT: 'abc', EXAMPLE_URL: 'not a url', USAGE_MAX_AGE_DAYS: '0' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        'EXAMPLE_URL: must be a URL such as https://example.com',
        expect.stringMatching(/^USAGE_MAX_AGE_DAYS: /),
      ]),
    );
    expect(problems).toHaveLength(3);
    expect(problemsOf({ EXAMPLE_LIMIT: '9' })).toEqual([
      'EXAMPLE_URL: required when EXAMPLE_LIMIT > 8',
    ]);
  });

  it('puts each fragment under its namespace and collects its secrets for log redaction', () => {
    const config = loadConfig({ EXAMPLE_LIMIT: '7', STRIPE_SECRET_KEY: 'sk_test_secret_1' });
    expect((config as unknown as Record<string, unknown>).exampleModule).toEqual({
      url: undefined,
      limit: 7,
      token: 'example-token-123',
    });
    expect(exampleConfig.namespace).toBe('exampleModule');
    expect(config.secrets).toEqual(
      expect.arrayContaining(['example-token-123', 'sk_test_secret_1']),
    );
  });

  it('refuses a namespace defined twice, or one of the core', () => {
    expect(() => defineConfig('exampleModule', {}, () => ({}))).toThrow(/is taken/);
    expect(() => defineConfig('cache', {}, () => ({}))).toThrow(/is taken/);
  });
});

describe('loadConfig with Secrets Manager', () => {
  it('refreshes every 300 s on a timer by default, per invocation with RUN_MODE=lambda', () => {
    expect(loadConfig({}).secretsManager).toEqual({
      sources: [],
      endpoint: undefined,
      region: 'us-east-1',
      refreshSeconds: 300,
      refreshTimer: true,
    });
    expect(loadConfig({ RUN_MODE: 'lambda' }).secretsManager.refreshTimer).toBe(false);
    expect(loadConfig({ SECRETS_REFRESH_SECONDS: '0' }).secretsManager.refreshSeconds).toBe(0);
    expect(problemsOf({ SECRETS_REFRESH_SECONDS: 'soon', SECRETS_MANAGER_ENDPOINT: 'x' })).toEqual([
      'SECRETS_MANAGER_ENDPOINT: must be a URL such as http://localhost:4566',
      'SECRETS_REFRESH_SECONDS: must be a whole number, got "soon"',
    ]);
  });

  it('validates values read from secrets exactly like the variables, and adds them to secrets', () => {
    const env = { NODE_ENV: 'production', BILLING_API_KEYS_ARN: 'billing/keys' };
    const config = loadConfig(env, { BILLING_API_KEYS: 'ops:admin:k_from_secret_0123456789' });
    expect(config.auth.apiKeys).toEqual([
      { name: 'ops', scope: 'admin', key: 'k_from_secret_0123456789' },
    ]);
    expect(config.secretsManager.sources).toEqual([
      { variable: 'BILLING_API_KEYS_ARN', secretId: 'billing/keys', holds: 'BILLING_API_KEYS' },
    ]);
    expect(config.secrets).toContain('k_from_secret_0123456789');
    expect(() => loadConfig(env, { BILLING_API_KEYS: 'ops:admin:short' })).toThrow(
      'BILLING_API_KEYS: entry 1 must be name:scope:key',
    );
  });
});

describe('secretScrubber', () => {
  it('redacts values appended to the list after it was made (a refresh read them)', () => {
    const secrets = ['first_secret_value_1'];
    const scrub = secretScrubber(secrets);
    expect(scrub('a first_secret_value_1 b second_secret_value_2')).toBe(
      'a [REDACTED] b second_secret_value_2',
    );
    secrets.push('second_secret_value_2');
    expect(scrub('a first_secret_value_1 b second_secret_value_2')).toBe(
      'a [REDACTED] b [REDACTED]',
    );
  });
});
