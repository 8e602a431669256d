import { defineCacheKey } from '../common/cache/cache-keys';

/** Bumped by new usage so every cached usage read of that customer misses. */
export const usageGenerationKey = defineCacheKey('usage-generation');
