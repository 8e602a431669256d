import { Injectable } from '@nestjs/common';
import { UsageRepository } from './usage.repository';

/**
 * Closing a customer's usage period, for the module that invoices it: once closed, later usage
 * for the period is refused (`PERIOD_CLOSED`), so what an invoice was priced on cannot change
 * except through corrections of recorded events, which leave the period a pending adjustment
 * (`UsageCorrectionsService`).
 */
@Injectable()
export class UsagePeriods {
  constructor(private readonly usage: UsageRepository) {}

  /** Closes one customer's period; closing it again keeps the first `closedAt`. */
  async close(customerId: string, period: string, closedAt: string): Promise<void> {
    await this.usage.closePeriod(customerId, period, closedAt);
  }

  /**
   * `close` for many customers at once (billing runs), in batch writes. A period closed before
   * gets a later `closedAt`; only its presence matters.
   */
  async closeMany(customerIds: readonly string[], period: string, closedAt: string): Promise<void> {
    await this.usage.closePeriods(customerIds, period, closedAt);
  }
}
