import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { LogDestination } from '../src/common/logging';
import { type AppConfig, ConfigValidationError, loadConfig } from '../src/config/configuration';
import { loadConfigWithSecrets, SecretsLoadError } from '../src/config/secrets-manager';
import { SecretsRefresher } from '../src/config/secrets-refresher';
import { type FakeSecretsManager, startFakeSecretsManager } from './fakes/fake-secrets-manager';
import { closeLambdaApp, http } from '../src/lambda';
import { apiGatewayEvent, lambdaContext } from './support/api-gateway';
import { spawnApp } from './support/app-process';
import { startTestApp, type TestApp, uniqueTableName } from './support/test-app';
import { eventually } from './support/eventually';

/*
 * Secrets from AWS Secrets Manager (the real SDK against a fake speaking its JSON protocol): read
 * before validation at start, refreshed so a rotated API key works without a restart, never
 * logged. Start fails with one line naming the variable when a secret cannot be read.
 */

const hex = () => randomBytes(12).toString('hex');
const ADMIN_V1 = `sm_admin_v1_${hex()}`;
const ADMIN_V2 = `sm_admin_v2_${hex()}`;
const READ_KEY = `sm_read_${hex()}`;
const WEBHOOK_SECRET = `whsec_sm_${hex()}`;
const STRIPE_KEY = `sk_test_sm_${hex()}`;
const keysV1 = `ops:admin:${ADMIN_V1},viewer:read:${READ_KEY}`;
const keysV2 = `ops:admin:${ADMIN_V2},viewer:read:${READ_KEY}`;
const ALL_SECRETS = [ADMIN_V1, ADMIN_V2, READ_KEY, WEBHOOK_SECRET, STRIPE_KEY];

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/**
 * What the service wrote: Nest log calls as made (before the pino scrubber), the pino lines
 * (after it) and the console.
 */
class Capture {
  readonly lines: string[] = [];
  readonly destination: LogDestination = { write: (line: string) => void this.lines.push(line) };
  private readonly loggerSpies: jest.SpyInstance[] = [];
  private readonly consoleSpies: jest.SpyInstance[] = [];

  start(): void {
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
      // Called through: the same messages also reach pino, and the destination.
      this.loggerSpies.push(jest.spyOn(Logger.prototype, level));
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      this.consoleSpies.push(
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          this.lines.push(args.map(text).join(' '));
        }),
      );
    }
  }

  stop(): void {
    for (const spy of [...this.loggerSpies.splice(0), ...this.consoleSpies.splice(0)]) {
      spy.mockRestore();
    }
  }

  get text(): string {
    const calls = this.loggerSpies.flatMap((spy) =>
      (spy.mock.calls as unknown[][]).map((args) => args.map(text).join(' ')),
    );
    return [...calls, ...this.lines].join('\n');
  }
}
const capture = new Capture();

const text = (value: unknown): string => (typeof value === 'string' ? value : safeJson(value));

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function baseEnv(fake: FakeSecretsManager): Record<string, string> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'trace',
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_TABLE: uniqueTableName('secrets'),
    BILLING_RUN_CRON: 'off',
    SECRETS_MANAGER_ENDPOINT: fake.url,
    AWS_REGION: fake.region,
  };
}

async function configProblems(load: () => Promise<unknown>): Promise<string[]> {
  try {
    await load();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('Secrets from AWS Secrets Manager (e2e)', () => {
  let fake: FakeSecretsManager;
  let apiKeysArn: string;
  let webhookArn: string;

  beforeAll(async () => {
    capture.start();
    fake = await startFakeSecretsManager();
    apiKeysArn = fake.putSecret('billing/api-keys', keysV1);
    webhookArn = fake.putSecret('billing/stripe-webhook-secret', WEBHOOK_SECRET);
  });
  afterAll(async () => {
    await fake?.close();
    capture.stop();
  });
  afterEach(() => {
    // No secret value in anything the service wrote, scrubbed or not.
    for (const secret of ALL_SECRETS) expect(capture.text).not.toContain(secret);
  });

  describe('loadConfigWithSecrets', () => {
    it('reads one secret per value before validation; the values join config.secrets', async () => {
      const calls = fake.calls.length;
      const config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        BILLING_API_KEYS_ARN: apiKeysArn,
        STRIPE_WEBHOOK_SECRET_ARN: webhookArn,
      });
      expect(config.auth.apiKeys).toEqual([
        { name: 'ops', scope: 'admin', key: ADMIN_V1 },
        { name: 'viewer', scope: 'read', key: READ_KEY },
      ]);
      expect(config.stripe.webhookSecret).toBe(WEBHOOK_SECRET);
      expect(config.secrets).toEqual(expect.arrayContaining([ADMIN_V1, READ_KEY, WEBHOOK_SECRET]));
      expect(config.secretsManager).toMatchObject({ refreshSeconds: 300, refreshTimer: true });
      const made = fake.calls.slice(calls);
      expect(made.map((c) => c.secretId).sort()).toEqual([apiKeysArn, webhookArn].sort());
      expect(made.every((c) => c.signed && c.status === 200)).toBe(true);
    });

    it('reads the document-link signing key from a secret (DOCUMENT_LINK_SECRET_ARN)', async () => {
      const linkSecret = 'document-link-secret-from-secrets-manager-0123456789';
      const arn = fake.putSecret('billing/document-link-secret', linkSecret);
      const config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        BILLING_API_KEYS_ARN: apiKeysArn,
        DOCUMENT_LINK_SECRET_ARN: arn,
      });
      expect(config.documents.linkSecret).toBe(linkSecret);
      expect(config.secrets).toContain(linkSecret);
    });

    it('reads one JSON secret holding several values (BILLING_SECRETS_ARN)', async () => {
      const arn = fake.putSecret(
        'billing/all',
        JSON.stringify({
          STRIPE_SECRET_KEY: STRIPE_KEY,
          STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
          BILLING_API_KEYS: keysV1,
        }),
      );
      const config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        NODE_ENV: 'production',
        DOCUMENT_LINK_SECRET: `doc_link_${hex()}${hex()}`,
        BILLING_SECRETS_ARN: arn,
      });
      // Production requires keys and a webhook secret with a Stripe key: the secret supplied them.
      expect(config.stripe).toMatchObject({ secretKey: STRIPE_KEY, webhookSecret: WEBHOOK_SECRET });
      expect(config.auth.apiKeys.map((k) => k.name)).toEqual(['ops', 'viewer']);
      expect(config.secrets).toEqual(expect.arrayContaining([STRIPE_KEY, ADMIN_V1]));
    });

    it('refuses a value set both directly and from a secret, before calling Secrets Manager', async () => {
      const calls = fake.calls.length;
      expect(
        await configProblems(() =>
          loadConfigWithSecrets({
            ...baseEnv(fake),
            BILLING_API_KEYS: keysV2,
            BILLING_API_KEYS_ARN: apiKeysArn,
          }),
        ),
      ).toEqual([
        'BILLING_API_KEYS: set both directly and as BILLING_API_KEYS_ARN; set one of them',
      ]);
      expect(
        await configProblems(() =>
          loadConfigWithSecrets({
            ...baseEnv(fake),
            BILLING_SECRETS_ARN: 'billing/all',
            STRIPE_WEBHOOK_SECRET_ARN: webhookArn,
          }),
        ),
      ).toEqual([
        'BILLING_SECRETS_ARN: set together with STRIPE_WEBHOOK_SECRET_ARN; use the one JSON secret or one secret per value',
      ]);
      expect(fake.calls.length).toBe(calls);
      // A value in the JSON secret that is also set directly.
      expect(
        await configProblems(() =>
          loadConfigWithSecrets({
            ...baseEnv(fake),
            STRIPE_SECRET_KEY: STRIPE_KEY,
            BILLING_SECRETS_ARN: 'billing/all',
          }),
        ),
      ).toEqual([
        'STRIPE_SECRET_KEY: set both directly and in the JSON secret BILLING_SECRETS_ARN; set one of them',
      ]);
      // loadConfig alone cannot read secrets, and says so instead of starting without them.
      expect(() => loadConfig({ ...baseEnv(fake), BILLING_API_KEYS_ARN: apiKeysArn })).toThrow(
        'BILLING_API_KEYS_ARN: secrets are read by loadConfigWithSecrets',
      );
    });

    it('validates values from a secret like the variables, never echoing them', async () => {
      const badKeys = fake.putSecret('bad-keys', `ops:admin:${ADMIN_V1},viewer:reader:${READ_KEY}`);
      const badJson = fake.putSecret('bad-json', `{"BILLING_API_KEYS": "${ADMIN_V1}"`);
      const unknownKey = fake.putSecret(
        'unknown-key',
        JSON.stringify({ STRIPE_SECRET: STRIPE_KEY, BILLING_API_KEYS: keysV1 }),
      );
      const cases: [Record<string, string>, string[]][] = [
        [
          { BILLING_API_KEYS_ARN: badKeys },
          [
            'BILLING_API_KEYS: entry 2 must be name:scope:key with scope admin|ingest|read and a key of at least 16 characters',
          ],
        ],
        [
          { BILLING_SECRETS_ARN: badJson },
          [
            "BILLING_SECRETS_ARN: the secret's value must be a JSON object with STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, BILLING_API_KEYS, DOCUMENT_LINK_SECRET",
          ],
        ],
        [
          { BILLING_SECRETS_ARN: unknownKey },
          [
            'BILLING_SECRETS_ARN: unknown key "STRIPE_SECRET" (expected STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, BILLING_API_KEYS, DOCUMENT_LINK_SECRET)',
          ],
        ],
      ];
      for (const [env, expected] of cases) {
        const problems = await configProblems(() =>
          loadConfigWithSecrets({ ...baseEnv(fake), ...env }),
        );
        expect(problems).toEqual(expected);
        for (const secret of ALL_SECRETS) expect(problems.join('\n')).not.toContain(secret);
      }
    });

    it('fails with one line naming the variable, the secret and the error when a secret cannot be read', async () => {
      const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:billing/gone-AbCdEf';
      const error = await loadConfigWithSecrets({
        ...baseEnv(fake),
        BILLING_API_KEYS_ARN: missing,
        STRIPE_WEBHOOK_SECRET_ARN: webhookArn,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretsLoadError);
      expect((error as Error).message).toBe(
        `Could not read BILLING_API_KEYS_ARN (${missing}) from AWS Secrets Manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
      );
    });

    it('stops the process with that one line, without a stack trace', async () => {
      const missing = 'billing/not-there';
      const app = spawnApp({
        NODE_ENV: 'production',
        PORT: '0',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
        SECRETS_MANAGER_ENDPOINT: fake.url,
        AWS_REGION: fake.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local-secret',
        BILLING_SECRETS_ARN: missing,
      });
      expect(await app.exited).toBe(1);
      expect(app.output().trim()).toBe(
        `Could not read BILLING_SECRETS_ARN (${missing}) from AWS Secrets Manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
      );
    });
  });

  describe('the application built from them', () => {
    let config: AppConfig;
    let t: TestApp;
    let refresher: SecretsRefresher;

    beforeAll(async () => {
      fake.putSecret('billing/api-keys', keysV1);
      config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        BILLING_API_KEYS_ARN: apiKeysArn,
        STRIPE_WEBHOOK_SECRET_ARN: webhookArn,
      });
      t = await startTestApp({ config, overrides: [[LogDestination, capture.destination]] });
      refresher = t.app.get(SecretsRefresher);
    });
    afterAll(async () => {
      await t?.close();
      fake.putSecret('billing/api-keys', keysV1);
    });

    it('accepts the keys from the secret and refuses others', async () => {
      await t.http.get('/v1/plans').set(bearer(READ_KEY)).expect(200);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(200);
      const refused = await t.http.get('/v1/plans').set(bearer(`sm_unknown_${hex()}`));
      expect(refused.status).toBe(401);
      // Request lines were logged (and captured) at all.
      expect(capture.lines.some((l) => l.includes('/v1/plans'))).toBe(true);
    });

    it('verifies a Stripe webhook signed with the webhook secret from Secrets Manager', async () => {
      const event = JSON.stringify({
        id: `evt_sm_${hex()}`,
        object: 'event',
        api_version: '2026-02-25.clover',
        created: Math.floor(Date.now() / 1000),
        data: { object: { object: 'dispute', id: 'dp_sm' } },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'charge.dispute.created',
      });
      const post = (secret: string) =>
        t.http
          .post('/v1/webhooks/stripe')
          .set('Content-Type', 'application/json')
          .set(
            'Stripe-Signature',
            Stripe.webhooks.generateTestHeaderString({ payload: event, secret }),
          )
          .send(event);
      const forged = await post(`whsec_other_${hex()}`);
      expect(forged.status).toBe(400);
      expect(forged.body).toMatchObject({ error: 'INVALID_SIGNATURE' });
      const signed = await post(WEBHOOK_SECRET);
      expect(signed.status).toBe(200);
      expect(signed.body).toEqual({ received: true, duplicate: false, status: 'ignored' });
    });

    it('takes a rotated API key on refresh: the new key works, the old one gets 401', async () => {
      fake.putSecret('billing/api-keys', keysV2);
      // Until the refresh the service still has the keys it read.
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(200);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(401);

      expect(await refresher.refresh()).toBe('updated');
      await t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(200);
      const old = await t.http.get('/v1/plans').set(bearer(ADMIN_V1));
      expect(old.status).toBe(401);
      expect(old.body).toMatchObject({ statusCode: 401, error: 'UNAUTHENTICATED' });
      await t.http.get('/v1/plans').set(bearer(READ_KEY)).expect(200);
      expect(capture.text).toContain(
        'API keys reloaded from Secrets Manager: ops (admin), viewer (read)',
      );
      // The rotated value joined the list the log scrubber redacts.
      expect(config.secrets).toContain(ADMIN_V2);
      expect(await refresher.refresh()).toBe('unchanged');
    });

    it('keeps the current keys, with a warning, when a refresh fails or finds bad keys', async () => {
      fake.down();
      expect(await refresher.refresh()).toBe('failed');
      fake.up();
      await t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(200);
      expect(capture.text).toMatch(
        /Secrets refresh failed, keeping the current values: Could not read \w+_ARN \(arn:.*\) from AWS Secrets Manager: InternalServiceError/,
      );

      fake.putSecret('billing/api-keys', `ops:admin:${ADMIN_V1},broken`);
      expect(await refresher.refresh()).toBe('failed');
      await t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(200);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(401);
      expect(capture.text).toContain(
        'Secrets refresh: the new BILLING_API_KEYS is not valid (BILLING_API_KEYS: entry 2 must be name:scope:key',
      );
      fake.putSecret('billing/api-keys', keysV2);
    });

    it('reports a rotated webhook secret as taking effect at the next start', async () => {
      const rotated = `whsec_sm_rotated_${hex()}`;
      fake.putSecret('billing/stripe-webhook-secret', rotated);
      try {
        expect(await refresher.refresh()).toBe('updated');
        expect(capture.text).toContain(
          'STRIPE_WEBHOOK_SECRET changed in Secrets Manager: it takes effect when the service next starts',
        );
        expect(capture.text).not.toContain(rotated);
        expect(config.secrets).toContain(rotated);
      } finally {
        fake.putSecret('billing/stripe-webhook-secret', WEBHOOK_SECRET);
      }
    });
  });

  describe('refresh without a timer (RUN_MODE=lambda), per invocation', () => {
    let t: TestApp;

    beforeAll(async () => {
      fake.putSecret('billing/api-keys', keysV1);
      const config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        RUN_MODE: 'lambda',
        SECRETS_REFRESH_SECONDS: '1',
        BILLING_API_KEYS_ARN: apiKeysArn,
      });
      expect(config.secretsManager.refreshTimer).toBe(false);
      t = await startTestApp({ config, overrides: [[LogDestination, capture.destination]] });
    });
    afterAll(async () => {
      await t?.close();
      fake.putSecret('billing/api-keys', keysV1);
    });

    it('reads again only once SECRETS_REFRESH_SECONDS have passed since the last read', async () => {
      const refresher = t.app.get(SecretsRefresher);
      fake.putSecret('billing/api-keys', keysV2);
      const calls = fake.calls.length;
      await sleep(1_100);
      // No timer ran: nothing was read since start, and the old key still works.
      expect(fake.calls.length).toBe(calls);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(200);

      expect(await refresher.refreshIfStale()).toBe('updated');
      expect(await refresher.refreshIfStale()).toBe('unchanged'); // fresh: not read again
      expect(fake.calls.length).toBe(calls + 1);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(200);
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(401);
    });
  });

  describe('the Lambda HTTP handler', () => {
    const savedEnv = { ...process.env };

    beforeAll(() => {
      fake.putSecret('billing/api-keys', keysV1);
      Object.assign(process.env, {
        ...baseEnv(fake),
        LOG_LEVEL: 'silent',
        SECRETS_REFRESH_SECONDS: '1',
        BILLING_API_KEYS_ARN: apiKeysArn,
      });
    });
    afterAll(async () => {
      await closeLambdaApp();
      process.env = savedEnv;
      fake.putSecret('billing/api-keys', keysV1);
    });

    const status = async (key: string) =>
      (
        await http(
          apiGatewayEvent({
            method: 'GET',
            path: '/v1/plans',
            headers: { authorization: `Bearer ${key}` },
          }),
          lambdaContext(),
        )
      ).statusCode;

    it('reads the keys at the cold start and again on an invocation once they are stale', async () => {
      expect(await status(ADMIN_V1)).toBe(200);
      expect(await status(ADMIN_V2)).toBe(401);
      fake.putSecret('billing/api-keys', keysV2);
      await sleep(1_100);
      // The first invocation after SECRETS_REFRESH_SECONDS reads the secret before it is served.
      expect(await status(ADMIN_V2)).toBe(200);
      expect(await status(ADMIN_V1)).toBe(401);
    });
  });

  describe('refresh on a timer (long-lived process)', () => {
    let t: TestApp;
    let closed = false;

    beforeAll(async () => {
      fake.putSecret('billing/api-keys', keysV1);
      const config = await loadConfigWithSecrets({
        ...baseEnv(fake),
        SECRETS_REFRESH_SECONDS: '1',
        BILLING_API_KEYS_ARN: apiKeysArn,
      });
      t = await startTestApp({ config, overrides: [[LogDestination, capture.destination]] });
    });
    afterAll(async () => {
      if (!closed) await t?.close();
      fake.putSecret('billing/api-keys', keysV1);
    });

    it('picks up a rotated key by itself, and stops reading once the application is closed', async () => {
      fake.putSecret('billing/api-keys', keysV2);
      await eventually(() => t.http.get('/v1/plans').set(bearer(ADMIN_V2)).expect(200));
      await t.http.get('/v1/plans').set(bearer(ADMIN_V1)).expect(401);

      await t.close();
      closed = true;
      const calls = fake.calls.length;
      await sleep(2_200);
      expect(fake.calls.length).toBe(calls);
    });
  });
});
