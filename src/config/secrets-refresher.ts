import { Logger } from '@nestjs/common';
import {
  type ApiKeyConfig,
  type AppConfig,
  ConfigValidationError,
  parseApiKeys,
} from './configuration';
import type { SecretValues } from './secret-sources';
import {
  describeError,
  SecretsLoadError,
  SecretsManagerReader,
  type SecretsManagerSettings,
} from './secrets-manager';

type ApiKeysListener = (keys: ApiKeyConfig[]) => void;

/** What a refresh did; for the caller (and tests), never logged with values. */
export type RefreshOutcome = 'off' | 'unchanged' | 'updated' | 'failed';

/**
 * Reads the configured secrets again, so a key rotated in Secrets Manager takes effect without a
 * redeploy. API keys apply at once (`onApiKeys`: the API-key guard rebuilds its key ring); the
 * Stripe key and webhook secret are read at start only, and a change is reported as taking effect
 * at the next start. A refresh that fails (Secrets Manager unreachable, a secret deleted, a value
 * that does not validate) keeps the current values and logs a warning, never a value.
 *
 * Two ways to drive it: `start()` refreshes every SECRETS_REFRESH_SECONDS on an unref'd timer
 * (long-lived process; `stop()` at shutdown); on AWS Lambda nothing may run between invocations,
 * so the handler calls `refreshIfStale()` per invocation instead.
 */
export class SecretsRefresher {
  private readonly logger = new Logger('Secrets');
  private readonly listeners: ApiKeysListener[] = [];
  private reader?: SecretsManagerReader;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<RefreshOutcome>;
  private lastAttemptAt: number;
  private apiKeys: ApiKeyConfig[];
  private readonly stripe: { secretKey?: string; webhookSecret?: string };

  /**
   * `secrets` is the configuration's live list of values the log scrubber redacts: values read
   * later are appended to it.
   */
  constructor(
    private readonly settings: SecretsManagerSettings,
    initial: Pick<AppConfig, 'auth' | 'stripe'>,
    private readonly secrets: string[],
    private readonly now: () => number = Date.now,
  ) {
    this.apiKeys = initial.auth.apiKeys;
    this.stripe = {
      secretKey: initial.stripe.secretKey,
      webhookSecret: initial.stripe.webhookSecret,
    };
    // The configuration was read from Secrets Manager just before the application was built.
    this.lastAttemptAt = now();
  }

  /** True when some value comes from Secrets Manager and SECRETS_REFRESH_SECONDS is not 0. */
  get enabled(): boolean {
    return this.settings.sources.length > 0 && this.settings.refreshSeconds > 0;
  }

  /** Called with the new keys whenever a refresh changes BILLING_API_KEYS. */
  onApiKeys(listener: ApiKeysListener): void {
    this.listeners.push(listener);
  }

  /** Refreshes every SECRETS_REFRESH_SECONDS on a timer that never holds the process open. */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.settings.refreshSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and closes the client; a refresh in flight is awaited. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.reader?.destroy();
    this.reader = undefined;
  }

  /**
   * Refreshes when the last attempt is SECRETS_REFRESH_SECONDS old or older (the AWS Lambda
   * path: called per invocation, the container reusing the application between invocations).
   */
  async refreshIfStale(): Promise<RefreshOutcome> {
    if (!this.enabled) return 'off';
    if (this.now() - this.lastAttemptAt < this.settings.refreshSeconds * 1000) return 'unchanged';
    return this.refresh();
  }

  /** Reads every secret now; concurrent calls share one read. */
  refresh(): Promise<RefreshOutcome> {
    if (this.settings.sources.length === 0) return Promise.resolve('off');
    this.inFlight ??= this.readAndApply().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async readAndApply(): Promise<RefreshOutcome> {
    this.lastAttemptAt = this.now();
    let values: SecretValues;
    try {
      this.reader ??= new SecretsManagerReader(this.settings);
      values = await this.reader.read(this.settings.sources);
    } catch (error) {
      // Our own errors already name the variable and the secret; one line either way.
      const own = error instanceof SecretsLoadError || error instanceof ConfigValidationError;
      const reason = own ? (error as Error).message.replace(/\s+/g, ' ') : describeError(error);
      this.logger.warn(`Secrets refresh failed, keeping the current values: ${reason}`);
      return 'failed';
    }
    let updated = false;
    if (values.BILLING_API_KEYS !== undefined) {
      const problems: string[] = [];
      const keys = parseApiKeys(values.BILLING_API_KEYS, problems);
      if (problems.length > 0 || keys.length === 0) {
        this.logger.warn(
          `Secrets refresh: the new BILLING_API_KEYS is not valid (${problems.join('; ') || 'no keys'}); keeping the current keys`,
        );
        return 'failed';
      }
      if (!sameKeys(keys, this.apiKeys)) {
        this.remember(keys.map((k) => k.key));
        this.apiKeys = keys;
        for (const listener of this.listeners) listener(keys);
        this.logger.log(
          `API keys reloaded from Secrets Manager: ${keys.map((k) => `${k.name} (${k.scope})`).join(', ')}`,
        );
        updated = true;
      }
    }
    for (const [variable, field] of [
      ['STRIPE_SECRET_KEY', 'secretKey'],
      ['STRIPE_WEBHOOK_SECRET', 'webhookSecret'],
    ] as const) {
      const value = values[variable];
      if (value === undefined || value === this.stripe[field]) continue;
      this.remember([value]);
      this.stripe[field] = value;
      this.logger.warn(
        `${variable} changed in Secrets Manager: it takes effect when the service next starts`,
      );
      updated = true;
    }
    return updated ? 'updated' : 'unchanged';
  }

  /** New values join the scrubber's list (old ones stay: they may still appear in a line). */
  private remember(values: string[]): void {
    for (const value of values) {
      if (value.length >= 8 && !this.secrets.includes(value)) this.secrets.push(value);
    }
  }
}

function sameKeys(a: ApiKeyConfig[], b: ApiKeyConfig[]): boolean {
  const id = (k: ApiKeyConfig) => `${k.name}\u0000${k.scope}\u0000${k.key}`;
  const left = a.map(id).sort();
  const right = b.map(id).sort();
  return left.length === right.length && left.every((v, i) => v === right[i]);
}
