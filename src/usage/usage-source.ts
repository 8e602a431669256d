import type { UsageRow } from '../pricing-core';

/**
 * Where priced usage comes from: totals per endpoint for a customer in [from, to). The usage
 * module provides the real implementation, backed by its aggregates.
 */
export abstract class UsageSource {
  abstract usageByEndpoint(customerId: string, from: Date, to: Date): Promise<UsageRow[]>;

  /**
   * The same usage split by UTC day as well (explanations of charges): rows per day and
   * endpoint, whose sums per endpoint are exactly `usageByEndpoint`'s rows.
   */
  abstract usageByDayAndEndpoint(customerId: string, from: Date, to: Date): Promise<UsageDayRow[]>;
}

/** One endpoint's usage on one UTC day. */
export interface UsageDayRow extends UsageRow {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
}
