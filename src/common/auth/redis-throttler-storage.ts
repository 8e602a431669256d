import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler-storage';
import {
  FailSoftRedis,
  OPERATION_TIMEOUT_MS,
  SKIP_AFTER_TIMEOUT_MS,
} from '../cache/fail-soft-redis';

/** The record `increment` answers (the package does not export its name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Same bounds as the shared cache: a slow Redis costs one short wait, then is skipped a while. */

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
  private readonly redis: FailSoftRedis;
  private readonly fallback = new MemoryThrottlerStorage();

  /** `namespace` prefixes every key, so deployments sharing a server never share counters. */
  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.redis = new FailSoftRedis(url, new Logger('RateLimit'), {
      unavailable: (target, reason) =>
        `Redis for rate limits at ${target} is unavailable (${reason}): each instance counts on its own until it is back`,
      availableAgain: (target) => `Redis for rate limits at ${target} is available again`,
      notReachableYet: (target) =>
        `Redis for rate limits at ${target} is not reachable yet: counting per instance until it is`,
      slow: () =>
        `Redis rate-limit count took over ${OPERATION_TIMEOUT_MS} ms: counting per instance for ${SKIP_AFTER_TIMEOUT_MS} ms`,
      failed: (_what, reason) => `Redis rate-limit count failed (${reason}): counting per instance`,
    });
  }

  /** Waits a little for Redis so the first requests share the count; never fails start-up. */
  connect(): Promise<void> {
    return this.redis.connect();
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
    await this.redis.close();
  }

  /** The shared record, or undefined when Redis cannot answer now (the caller counts locally). */
  private async incrementInRedis(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord | undefined> {
    // One hash tag per key: both keys land in one slot, as EVAL on a cluster requires.
    const base = `${this.namespace}:{${key}}:${throttlerName}`;
    const reply = await this.redis.run('count', () =>
      this.redis.client.eval(INCREMENT_SCRIPT, {
        keys: [`${base}:hits`, `${base}:blocked`],
        arguments: [String(ttl), String(limit), String(blockDuration)],
      }),
    );
    if (reply === undefined) return undefined;
    const [hits, msToWindowEnd, blocked, msToBlockEnd] = (reply as unknown[]).map(Number);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(msToWindowEnd / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(msToBlockEnd / 1000),
    };
  }
}
