import { createKeyv } from '@cacheable/memory';
import { CacheModule } from '@nestjs/cache-manager';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type Keyv, KeyvHooks } from 'keyv';
import type { AppConfig } from '../../config/configuration';
import { RedisCache } from './redis-cache';

/**
 * Builds the cache store from configuration: a bounded LRU in this process (`memory`, the default;
 * each instance has its own) or Redis shared by every instance (`redis`).
 */
@Injectable()
export class CacheStoreFactory implements OnApplicationShutdown {
  private redis?: RedisCache;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  async create(): Promise<Keyv> {
    const { ttlSeconds, maxItems, store, redisUrl } = this.config.get('cache', { infer: true });
    const ttl = ttlSeconds * 1000;
    if (store === 'memory') return memoryStore(ttl, maxItems);
    if (!redisUrl) throw new Error('REDIS_URL is required when CACHE_STORE is redis');
    // Keys carry the table name: deployments sharing a Redis server never see each other's data.
    const table = this.config.get('dynamo', { infer: true }).table;
    this.redis = new RedisCache(redisUrl, `billing:${table}`);
    await this.redis.connect();
    return this.redis.keyv(ttl);
  }

  /** Last, so work drained at shutdown (jobs, outbox) can still invalidate what it changes. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}

/**
 * The in-process LRU. One Map: the default spreads keys over 16 Maps, hashing every key on every
 * lookup, which buys nothing in one thread. Entries are not copied on every read (the store's
 * default `structuredClone`s them, a visible share of a cached GET's CPU): they are frozen when
 * stored instead, so code that would change a cached value fails loudly rather than changing
 * it for every later reader.
 */
export function memoryStore(ttl: number, maxItems: number): Keyv {
  const keyv = createKeyv({ ttl, lruSize: maxItems, storeHashSize: 1, useClone: false });
  keyv.hooks.addHandler(KeyvHooks.PRE_SET, (data: { value?: unknown }) => deepFreeze(data.value));
  return keyv;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** One cache shared by every module; every read, write and invalidation goes to that one store. */
export const AppCacheModule = CacheModule.registerAsync({
  isGlobal: true,
  extraProviders: [CacheStoreFactory],
  inject: [ConfigService, CacheStoreFactory],
  useFactory: async (config: ConfigService<AppConfig, true>, stores: CacheStoreFactory) => ({
    ttl: config.get('cache', { infer: true }).ttlSeconds * 1000,
    stores: [await stores.create()],
  }),
});
