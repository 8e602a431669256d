import { defineCacheKey, defineCollectionCacheKey } from '../common/cache/cache-keys';

/** The GET /v1/plans/:id response. */
export const planResponseKey = defineCacheKey('plan');
/** The GET /v1/plans response. */
export const plansResponseKey = defineCollectionCacheKey('plans');
/** Every version of a plan, for hot paths (limits at ingest). */
export const planVersionsKey = defineCacheKey('plan-versions');
