import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../../config/configuration';
import { MemoryThrottlerStorage } from './memory-throttler-storage';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * RATE_LIMIT_PER_MINUTE requests per API key per minute (0 turns it off). With the default
 * in-memory cache the counters live in this process, so with N instances behind a balancer a key
 * gets up to N times the limit. With CACHE_STORE=redis they live in Redis (REDIS_URL), shared by
 * every instance, so the limit is per key; while Redis is down each instance counts on its own
 * (see RedisThrottlerStorage).
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: async (config: ConfigService<AppConfig, true>) => {
    const { perMinute } = config.get('rateLimit', { infer: true });
    const { store, redisUrl } = config.get('cache', { infer: true });
    let storage: RedisThrottlerStorage | undefined;
    if (store === 'redis' && redisUrl && perMinute > 0) {
      // Counters carry the table name, like cache keys: deployments sharing a server never mix.
      const { table } = config.get('dynamo', { infer: true });
      storage = new RedisThrottlerStorage(redisUrl, `billing:${table}:ratelimit`);
      await storage.connect();
    }
    return {
      throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, perMinute) }],
      skipIf: () => perMinute === 0,
      // In memory: one map lookup per request (see MemoryThrottlerStorage).
      storage: storage ?? new MemoryThrottlerStorage(),
    };
  },
});
