/**
 * Every cache key the service uses. Reads and invalidations both go through these builders, so a
 * write can never miss the key its read was cached under.
 */
export const CacheKeys = {
  customer: (customerId: string) => `customer:${customerId}`,
  /** The customer entity, for hot paths (usage ingest) that must not read the table each time. */
  customerRecord: (customerId: string) => `customer-record:${customerId}`,
  /** Every version of a plan, for hot paths (limits at ingest). */
  planVersions: (planId: string) => `plan-versions:${planId}`,
  /** Bumped by new usage so every cached usage read of that customer misses. */
  usageGeneration: (customerId: string) => `usage-generation:${customerId}`,
  plan: (planId: string) => `plan:${planId}`,
  plans: () => 'plans',
};

export type CacheResource = keyof typeof CacheKeys;
