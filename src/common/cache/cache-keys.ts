/**
 * Every cache key the service uses. Reads and invalidations both go through these builders, so a
 * write can never miss the key its read was cached under.
 */
export const CacheKeys = {
  customer: (customerId: string) => `customer:${customerId}`,
  plan: (planId: string) => `plan:${planId}`,
  plans: () => 'plans',
};

export type CacheResource = keyof typeof CacheKeys;
