import type { UsageRow } from '../pricing-core';

/**
 * Where priced usage comes from: totals per endpoint for a customer in [from, to). The usage
 * module provides the real implementation, backed by its aggregates.
 */
export abstract class UsageSource {
  abstract usageByEndpoint(customerId: string, from: Date, to: Date): Promise<UsageRow[]>;
}
