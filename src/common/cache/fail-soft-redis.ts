import type { createClient } from '@keyv/redis';
import type { Logger } from '@nestjs/common';

/** @keyv/redis (node-redis: ~430 modules, 4-8 MB) is loaded only when Redis is configured. */
export const loadKeyvRedis = (): typeof import('@keyv/redis') =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@keyv/redis') as typeof import('@keyv/redis');

/**
 * A call slower than this counts as failed. node-redis has no deadline for a command once it is
 * written, so without one a hung Redis would hold every request that uses it.
 */
export const OPERATION_TIMEOUT_MS = 500;
/** After a timeout Redis is skipped this long, so a hung server costs one wait, not one per call. */
export const SKIP_AFTER_TIMEOUT_MS = 5_000;
/** How long start-up waits for Redis before going on without it (it keeps reconnecting). */
const CONNECT_WAIT_MS = 3_000;
const CLOSE_TIMEOUT_MS = 1_000;
/** At most one warning per interval about failing calls, so an outage cannot flood the log. */
const WARN_INTERVAL_MS = 10_000;

export type RedisClient = ReturnType<typeof createClient>;

/** What a user of the connection says in the log (the target is the URL without its password). */
export interface FailSoftRedisMessages {
  unavailable(target: string, reason: string): string;
  availableAgain(target: string): string;
  connected?(target: string): string;
  notReachableYet(target: string): string;
  /** `what`: the call, e.g. "cache read of customer:acme". */
  slow(what: string): string;
  failed(what: string, reason: string): string;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`; logs never show a password. */
export function redactRedisUrl(url: string): string {
  if (!URL.canParse(url)) return '[unparseable redis url]';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * One Redis connection that is an optimisation, never a dependency (the shared cache, the shared
 * rate-limit counters): commands fail fast while disconnected, it never gives up reconnecting,
 * and `run` turns a failing, slow (over 500 ms; then Redis is skipped for 5 s) or unavailable
 * Redis into `undefined` for the caller's fallback, with rate-limited warnings.
 */
export class FailSoftRedis {
  readonly client: RedisClient;
  private readonly target: string;
  private down = false;
  private closed = false;
  private skipUntil = 0;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly messages: FailSoftRedisMessages,
  ) {
    this.target = redactRedisUrl(url);
    const { createClient, defaultReconnectStrategy } = loadKeyvRedis();
    this.client = createClient({
      url,
      // Fail fast while disconnected instead of queueing commands until Redis is back.
      disableOfflineQueue: true,
      // Never give up reconnecting (capped backoff); callers skip Redis meanwhile.
      socket: { reconnectStrategy: defaultReconnectStrategy },
    });
    this.client.on('error', (error: unknown) => this.onConnectionError(error));
    this.client.on('ready', () => this.onReady());
  }

  /** Connects, waiting a little so the first requests can use Redis; never fails start-up. */
  async connect(): Promise<void> {
    const ready = this.client.connect().then(
      () => true,
      () => false,
    );
    // A refused connection was reported by onConnectionError already; this covers a silent one.
    if (!(await withDeadline(ready, CONNECT_WAIT_MS)) && !this.down) {
      this.logger.warn(this.messages.notReachableYet(this.target));
    }
  }

  /** Closes the connection (application shutdown). */
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

  /** The call's value; undefined when Redis is down, slow or failing (the caller falls back). */
  async run<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
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
      this.warnThrottled(this.messages.slow(what));
      return undefined;
    }
    if (!outcome.ok) {
      this.warnThrottled(this.messages.failed(what, describe(outcome.error)));
      return undefined;
    }
    return outcome.value;
  }

  private onConnectionError(error: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(this.messages.unavailable(this.target, describe(error)));
  }

  private onReady(): void {
    if (this.down) this.logger.log(this.messages.availableAgain(this.target));
    else if (this.messages.connected) this.logger.log(this.messages.connected(this.target));
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
