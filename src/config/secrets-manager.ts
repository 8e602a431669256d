import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type AppConfig, ConfigValidationError, loadConfig } from './configuration';
import type { Env } from './env-vars';
import {
  type SecretSource,
  type SecretValues,
  secretSourcesOf,
  valuesOfSecret,
} from './secret-sources';

const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * A secret could not be read (start-up): names the variable, the secret and the error, in one
 * line. The error's own text comes from Secrets Manager or the network and holds no value.
 */
export class SecretsLoadError extends Error {
  constructor(
    readonly variable: string,
    readonly secretId: string,
    cause: unknown,
  ) {
    super(
      `Could not read ${variable} (${secretId}) from AWS Secrets Manager: ${describeError(cause)}`,
    );
    this.name = 'SecretsLoadError';
  }
}

export type SecretsManagerSettings = AppConfig['secretsManager'] & {
  localCredentials: AppConfig['dynamo']['localCredentials'];
};

/** The settings of the real client, from the validated configuration. */
export function secretsManagerSettings(config: AppConfig): SecretsManagerSettings {
  return { ...config.secretsManager, localCredentials: config.dynamo.localCredentials };
}

/**
 * Reads the configured secrets with `@aws-sdk/client-secrets-manager` (GetSecretValue, the
 * current version). Region from AWS_REGION; SECRETS_MANAGER_ENDPOINT points it elsewhere (tests,
 * a local emulator), with the local credentials as for DynamoDB Local; otherwise the SDK's
 * default credential chain (the task or function role).
 */
export class SecretsManagerReader {
  private readonly client: SecretsManagerClient;

  constructor(settings: Pick<SecretsManagerSettings, 'endpoint' | 'region' | 'localCredentials'>) {
    this.client = new SecretsManagerClient({
      region: settings.region,
      endpoint: settings.endpoint,
      credentials: settings.endpoint ? settings.localCredentials : undefined,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 4 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 4 }),
      }),
    });
  }

  /**
   * Every source's values, read in parallel. Throws SecretsLoadError for the first secret that
   * cannot be read; a secret read but unusable (empty, bad JSON) is a ConfigValidationError.
   */
  async read(sources: SecretSource[]): Promise<SecretValues> {
    const results = await Promise.allSettled(
      sources.map(async (source) => valuesOfSecret(source, await this.secretString(source))),
    );
    const problems: string[] = [];
    const values: SecretValues = {};
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        throw new SecretsLoadError(sources[i].variable, sources[i].secretId, result.reason);
      }
      problems.push(...result.value.problems);
      Object.assign(values, result.value.values);
    });
    if (problems.length > 0) throw new ConfigValidationError(problems);
    return values;
  }

  destroy(): void {
    this.client.destroy();
  }

  private async secretString(source: SecretSource): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: source.secretId }));
    if (typeof out.SecretString !== 'string') {
      throw new Error('the secret holds binary data (SecretBinary); a string is expected');
    }
    return out.SecretString;
  }
}

/**
 * The configuration, with the values named by `*_ARN` / `BILLING_SECRETS_ARN` read from Secrets
 * Manager first, so exactly the same validation applies to them as to the variables. Without any
 * `*_ARN` variable it is `loadConfig`. Every value read joins `config.secrets` (the log scrubber).
 * Throws ConfigValidationError (bad configuration, unusable secret) or SecretsLoadError (a secret
 * could not be read); both messages name the variable and never a value. With RUN_MODE=lambda
 * no refresh timer runs: the handler calls `SecretsRefresher.refreshIfStale()` per invocation.
 */
export async function loadConfigWithSecrets(env: Env): Promise<AppConfig> {
  const { sources, problems } = secretSourcesOf(env);
  if (sources.length === 0) return loadConfig(env);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  // Region, endpoint and credentials come from the same validated variables as everything else.
  const settings = secretsManagerSettings(loadConfig(withoutSources(env, sources)));
  const reader = new SecretsManagerReader(settings);
  try {
    return loadConfig(env, await reader.read(sources));
  } finally {
    reader.destroy();
  }
}

/**
 * The environment without the secret variables, to validate the client's own settings before a
 * secret is read. Production-only checks wait for the full load: some need the values the
 * secrets supply ("BILLING_API_KEYS: required in production").
 */
function withoutSources(env: Env, sources: SecretSource[]): Env {
  const rest: Env = { ...env, NODE_ENV: env.NODE_ENV === 'production' ? 'test' : env.NODE_ENV };
  for (const source of sources) delete rest[source.variable];
  return rest;
}

/** Name and message only: SDK errors carry request metadata that has no place in a log line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`.replace(/\s+/g, ' ').trim();
  }
  return String(error);
}
