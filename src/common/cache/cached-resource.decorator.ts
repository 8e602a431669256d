import { SetMetadata } from '@nestjs/common';
import type { CacheKey, CollectionCacheKey } from './cache-keys';

export const CACHED_RESOURCE = 'cache:resource';

export interface CachedResourceOptions {
  key: CacheKey | CollectionCacheKey;
  /** Route parameter that holds the resource id; omitted for collection keys without an id. */
  param?: string;
}

/**
 * Caches a GET response under `key(params[param])` (or `key()` for a collection), a key the
 * owning module defined (see cache-keys.ts) and invalidates on writes. Only requests without a
 * query string are cached, so variants (e.g. `?version=`) never share an entry.
 */
export function CachedResource(key: CollectionCacheKey): MethodDecorator;
export function CachedResource(key: CacheKey, param: string): MethodDecorator;
export function CachedResource(key: CacheKey | CollectionCacheKey, param?: string) {
  return SetMetadata(CACHED_RESOURCE, { key, param } satisfies CachedResourceOptions);
}
