import { createClient, defaultReconnectStrategy } from '@keyv/redis';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler-storage';
import { redactRedisUrl } from '../cache/redis-cache';

/** The record `increment` answers (the package does not export its name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Same bounds as the shared cache: a slow Redis costs one short wait, then is skipped a while. */
const OPERATION_TIMEOUT_MS = 500;
const SKIP_AFTER_TIMEOUT_MS = 5_000;
const CONNECT_WAIT_MS = 3_000;
const CLOSE_TIMEOUT_MS = 1_000;
const WARN_INTERVAL_MS = 10_000;

/**
 * One atomic step per request, run by Redis itself so instances never race: count the hit in a
 * fixed window of `ttl` ms, and once the count passes `limit` block the key for `blockDuration`
 * ms (the throttler's default block is the window). While blocked, hits are not counted.
 * Returns {totalHits, msToWindowEnd, blocked 0|1, msToBlockEnd}.
 */
const INCREMENT_SCRIPT = `
local hitsKey, blockKey = KEYS[1], KEYS[2]
local ttl, limit, blockMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', blockKey)
if blockLeft > 0 then
  return {limit + 1, blockLeft, 1, blockLeft}
end
local hits = redis.call('INCR', hitsKey)
local left = redis.call('PTTL', hitsKey)
if left < 0 then
  redis.call('PEXPIRE', hitsKey, ttl)
  left = ttl
end
if hits > limit then
  if blockMs > 0 then
    redis.call('SET', blockKey, '1', 'PX', blockMs)
    redis.call('DEL', hitsKey)
    return {hits, left, 1, blockMs}
  end
  return {hits, left, 1, left}
end
return {hits, left, 0, 0}
`;

type RedisClient = ReturnType<typeof createClient>;

/**
 * `@nestjs/throttler` storage in Redis (CACHE_STORE=redis, REDIS_URL), so a key's limit holds
 * across every instance. The same Redis server as the shared cache, on a connection of its own.
 *
 * Fails open to per-instance limits, as the cache fails soft: while Redis is unreachable, slow
 * (over 500 ms) or failing, hits are counted in this process's memory (the default in-memory
 * storage), with a rate-limited warning. A request is never refused, or failed, because Redis is
 * down; each instance then enforces the limit on its own, as without Redis.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly client: RedisClient;
  private readonly fallback = new MemoryThrottlerStorage();
  private readonly target: string;
  private down = false;
  private closed = false;
  private skipUntil = 0;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  /** `namespace` prefixes every key, so deployments sharing a server never share counters. */
  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.target = redactRedisUrl(url);
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: defaultReconnectStrategy },
    });
    this.client.on('error', (error: unknown) => this.onConnectionError(error));
    this.client.on('ready', () => this.onReady());
  }

  /** Waits a little for Redis so the first requests share the count; never fails start-up. */
  async connect(): Promise<void> {
    const ready = this.client.connect().then(
      () => true,
      () => false,
    );
    if (!(await withDeadline(ready, CONNECT_WAIT_MS)) && !this.down) {
      this.logger.warn(
        `Redis for rate limits at ${this.target} is not reachable yet: counting per instance until it is`,
      );
    }
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const shared = await this.incrementInRedis(key, ttl, limit, blockDuration, throttlerName);
    return shared ?? this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  async onApplicationShutdown(): Promise<void> {
    this.fallback.onApplicationShutdown();
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) return;
    if (!this.client.isReady) {
      this.client.destroy();
      return;
    }
    const closed = this.client.close().then(() => true);
    if (!(await withDeadline(closed, CLOSE_TIMEOUT_MS))) this.client.unref();
  }

  /** The shared record, or undefined when Redis cannot answer now (the caller counts locally). */
  private async incrementInRedis(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord | undefined> {
    if (this.closed || !this.client.isReady || Date.now() < this.skipUntil) return undefined;
    // One hash tag per key: both keys land in one slot, as EVAL on a cluster requires.
    const base = `${this.namespace}:{${key}}:${throttlerName}`;
    const call = this.client.eval(INCREMENT_SCRIPT, {
      keys: [`${base}:hits`, `${base}:blocked`],
      arguments: [String(ttl), String(limit), String(blockDuration)],
    });
    const outcome = await withDeadline(
      call.then(
        (reply) => ({ ok: true as const, reply }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      OPERATION_TIMEOUT_MS,
    );
    if (outcome === undefined) {
      this.skipUntil = Date.now() + SKIP_AFTER_TIMEOUT_MS;
      this.warnThrottled(
        `Redis rate-limit count took over ${OPERATION_TIMEOUT_MS} ms: counting per instance for ${SKIP_AFTER_TIMEOUT_MS} ms`,
      );
      return undefined;
    }
    if (!outcome.ok) {
      this.warnThrottled(
        `Redis rate-limit count failed (${describe(outcome.error)}): counting per instance`,
      );
      return undefined;
    }
    const [hits, msToWindowEnd, blocked, msToBlockEnd] = (outcome.reply as unknown[]).map(Number);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(msToWindowEnd / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(msToBlockEnd / 1000),
    };
  }

  private onConnectionError(error: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(
      `Redis for rate limits at ${this.target} is unavailable (${describe(error)}): each instance counts on its own until it is back`,
    );
  }

  private onReady(): void {
    if (this.down) this.logger.log(`Redis for rate limits at ${this.target} is available again`);
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

/** Name and message only: client errors may carry connection details. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
