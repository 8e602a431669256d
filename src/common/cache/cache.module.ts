import { createKeyv } from '@cacheable/memory';
import { CacheModule } from '@nestjs/cache-manager';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/configuration';

/** One process-wide cache (bounded LRU in memory) shared by every module. */
export const AppCacheModule = CacheModule.registerAsync({
  isGlobal: true,
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>) => {
    const { ttlSeconds, maxItems } = config.get('cache', { infer: true });
    const ttl = ttlSeconds * 1000;
    return { ttl, stores: [createKeyv({ ttl, lruSize: maxItems })] };
  },
});
