import { SetMetadata } from '@nestjs/common';
import type { CacheResource } from './cache-keys';

export const CACHED_RESOURCE = 'cache:resource';

export interface CachedResourceOptions {
  resource: CacheResource;
  /** Route parameter that holds the resource id; omitted for collection keys without an id. */
  param?: string;
}

/**
 * Caches a GET response under `CacheKeys[resource](params[param])`. Only requests without a query
 * string are cached, so variants (e.g. `?version=`) never share an entry.
 */
export const CachedResource = (resource: CacheResource, param?: string) =>
  SetMetadata(CACHED_RESOURCE, { resource, param } satisfies CachedResourceOptions);
