import KeyvRedis, { createClient, defaultReconnectStrategy } from '@keyv/redis';
import { Logger } from '@nestjs/common';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';

/**
 * A cache call slower than this counts as failed. node-redis has no deadline for a command once it
 * is written, so without one a hung Redis would hold every request that touches the cache.
 */
const OPERATION_TIMEOUT_MS = 500;
/** After a timeout Redis is skipped this long, so a hung server costs one wait, not one per call. */
const SKIP_AFTER_TIMEOUT_MS = 5_000;
/** How long start-up waits for Redis before serving without it (it keeps reconnecting). */
const CONNECT_WAIT_MS = 3_000;
const CLOSE_TIMEOUT_MS = 1_000;
/** At most one warning per interval about failing calls, so an outage cannot flood the log. */
const WARN_INTERVAL_MS = 10_000;

type RedisClient = ReturnType<typeof createClient>;

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`; logs never show a password. */
export function redactRedisUrl(url: string): string {
  if (!URL.canParse(url)) return '[unparseable redis url]';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * The shared cache (`CACHE_STORE=redis`): one Redis connection per instance, used through
 * `@keyv/redis`. Redis is an optimisation here, never a dependency: while it is unreachable, slow
 * or failing, reads miss (callers go to DynamoDB) and writes and invalidations are skipped, each
 * with a rate-limited warning; requests never fail because of it.
 */
export class RedisCache {
  private readonly logger = new Logger('Cache');
  private readonly client: RedisClient;
  private readonly adapter: KeyvRedis<string>;
  private readonly target: string;
  private down = false;
  private closed = false;
  private skipUntil = 0;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  /** `namespace` prefixes every key (`<namespace>:<key>`), so other users of the server never collide. */
  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.target = redactRedisUrl(url);
    this.client = createClient({
      url,
      // Fail fast while disconnected instead of queueing commands until Redis is back.
      disableOfflineQueue: true,
      // Never give up reconnecting (capped backoff); requests skip Redis meanwhile.
      socket: { reconnectStrategy: defaultReconnectStrategy },
    });
    this.client.on('error', (error: unknown) => this.onConnectionError(error));
    this.client.on('ready', () => this.onReady());
    this.adapter = new KeyvRedis<string>(this.client, {
      namespace,
      keyPrefixSeparator: ':',
      // Let failures reach FailSoftStore, which decides what a failure means (miss / no-op).
      throwOnErrors: true,
      throwOnConnectError: true,
    });
    // The adapter re-emits every client and command error; they are handled above and below.
    this.adapter.on('error', () => undefined);
  }

  /** Connects, waiting a little so the first requests can use the cache; never fails start-up. */
  async connect(): Promise<void> {
    const ready = this.client.connect().then(
      () => true,
      () => false,
    );
    // A refused connection was reported by onConnectionError already; this covers a silent one.
    if (!(await withDeadline(ready, CONNECT_WAIT_MS)) && !this.down) {
      this.logger.warn(
        `Redis cache at ${this.target} is not reachable yet: serving without it until it is`,
      );
    }
  }

  /** The Keyv store for cache-manager: JSON values, `ttlMs` unless a call gives its own. */
  keyv(ttlMs: number): Keyv {
    return new Keyv({
      store: new FailSoftStore(this.adapter, (operation, key, call) =>
        this.run(operation, key, call),
      ),
      namespace: this.namespace,
      // The adapter prefixes keys itself; Keyv adding its own prefix would double it.
      useKeyPrefix: false,
      ttl: ttlMs,
      // Plain JSON: what a cache hit returns is exactly what a JSON round trip of the value gives.
      serialize: JSON.stringify,
      deserialize: JSON.parse,
    });
  }

  /** Closes the connection (application shutdown, after jobs that may still invalidate). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) return;
    if (!this.client.isReady) {
      this.client.destroy(); // reconnecting: nothing in flight to wait for
      return;
    }
    // A hung server never answers QUIT: stop waiting, and do not hold the process open for it.
    const closed = this.client.close().then(() => true);
    if (!(await withDeadline(closed, CLOSE_TIMEOUT_MS))) this.client.unref();
  }

  /** The call's value; undefined (a miss, or nothing done) when Redis is down, slow or failing. */
  private async run<T>(
    operation: string,
    key: string,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    if (this.closed || !this.client.isReady || Date.now() < this.skipUntil) return undefined;
    const outcome = await withDeadline(
      call().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      OPERATION_TIMEOUT_MS,
    );
    if (outcome === undefined) {
      this.skipUntil = Date.now() + SKIP_AFTER_TIMEOUT_MS;
      this.warnThrottled(
        `Redis cache ${operation} of ${key} took over ${OPERATION_TIMEOUT_MS} ms: skipping Redis for ${SKIP_AFTER_TIMEOUT_MS} ms`,
      );
      return undefined;
    }
    if (!outcome.ok) {
      this.warnThrottled(`Redis cache ${operation} of ${key} failed: ${describe(outcome.error)}`);
      return undefined;
    }
    return outcome.value;
  }

  private onConnectionError(error: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(
      `Redis cache at ${this.target} is unavailable (${describe(error)}): reads miss and writes and invalidations are skipped until it is back, so other instances may serve entries changed meanwhile until they expire`,
    );
  }

  private onReady(): void {
    if (this.down) this.logger.log(`Redis cache at ${this.target} is available again`);
    else this.logger.log(`Redis cache connected to ${this.target}`);
    this.down = false;
    this.skipUntil = 0;
  }

  private warnThrottled(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) {
      this.suppressedWarnings++;
      return;
    }
    const suppressed = this.suppressedWarnings;
    this.lastWarnAt = now;
    this.suppressedWarnings = 0;
    this.logger.warn(suppressed > 0 ? `${message} (and ${suppressed} similar since)` : message);
  }
}

type Runner = <T>(operation: string, key: string, call: () => Promise<T>) => Promise<T | undefined>;

/**
 * A Keyv store adapter around `@keyv/redis` whose calls never throw: every call goes through the
 * runner, which turns a failure into a miss (`get`) or a no-op (`set`, `delete`).
 */
class FailSoftStore implements KeyvStoreAdapter {
  readonly opts = {};

  constructor(
    private readonly inner: KeyvRedis<string>,
    private readonly run: Runner,
  ) {}

  // Keyv assigns its namespace to the store; the adapter is the one that prefixes keys.
  get namespace(): string | undefined {
    return this.inner.namespace;
  }

  set namespace(value: string | undefined) {
    this.inner.namespace = value;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.run('read', key, () => this.inner.get(key));
  }

  async set(key: string, value: string, ttl?: number): Promise<void> {
    await this.run('write', key, () => this.inner.set(key, value, ttl));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run('invalidation', key, () => this.inner.delete(key))) ?? false;
  }

  async clear(): Promise<void> {
    await this.run('clear', '*', () => this.inner.clear());
  }

  /** The connection is closed by RedisCache at application shutdown, not with the cache manager. */
  async disconnect(): Promise<void> {}

  on(): this {
    return this; // failures are reported by the runner, never emitted
  }
}

/** The promise's value, or undefined when it has not settled within `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Name and message only: error objects from the client may carry connection details. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
