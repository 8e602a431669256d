import type KeyvRedis from '@keyv/redis';
import { Logger } from '@nestjs/common';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import {
  FailSoftRedis,
  loadKeyvRedis,
  OPERATION_TIMEOUT_MS,
  SKIP_AFTER_TIMEOUT_MS,
} from './fail-soft-redis';

/**
 * The shared cache (`CACHE_STORE=redis`): one Redis connection per instance, used through
 * `@keyv/redis`. Redis is an optimisation here, never a dependency: while it is unreachable, slow
 * or failing, reads miss (callers go to DynamoDB) and writes and invalidations are skipped, each
 * with a rate-limited warning; requests never fail because of it (`FailSoftRedis`).
 */
export class RedisCache {
  private readonly redis: FailSoftRedis;
  private readonly adapter: KeyvRedis<string>;

  /** `namespace` prefixes every key (`<namespace>:<key>`), so other users of the server never collide. */
  constructor(
    url: string,
    private readonly namespace: string,
  ) {
    this.redis = new FailSoftRedis(url, new Logger('Cache'), {
      unavailable: (target, reason) =>
        `Redis cache at ${target} is unavailable (${reason}): reads miss and writes and invalidations are skipped until it is back, so other instances may serve entries changed meanwhile until they expire`,
      availableAgain: (target) => `Redis cache at ${target} is available again`,
      connected: (target) => `Redis cache connected to ${target}`,
      notReachableYet: (target) =>
        `Redis cache at ${target} is not reachable yet: serving without it until it is`,
      slow: (what) =>
        `Redis cache ${what} took over ${OPERATION_TIMEOUT_MS} ms: skipping Redis for ${SKIP_AFTER_TIMEOUT_MS} ms`,
      failed: (what, reason) => `Redis cache ${what} failed: ${reason}`,
    });
    this.adapter = new (loadKeyvRedis().default)<string>(this.redis.client, {
      namespace,
      keyPrefixSeparator: ':',
      // Let failures reach FailSoftStore, which decides what a failure means (miss / no-op).
      throwOnErrors: true,
      throwOnConnectError: true,
    });
    // The adapter re-emits every client and command error; they are handled by FailSoftRedis.
    this.adapter.on('error', () => undefined);
  }

  /** Connects, waiting a little so the first requests can use the cache; never fails start-up. */
  connect(): Promise<void> {
    return this.redis.connect();
  }

  /** The Keyv store for cache-manager: JSON values, `ttlMs` unless a call gives its own. */
  keyv(ttlMs: number): Keyv {
    return new Keyv({
      store: new FailSoftStore(this.adapter, (operation, key, call) =>
        this.redis.run(`${operation} of ${key}`, call),
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
  close(): Promise<void> {
    return this.redis.close();
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
