import { Injectable } from '@nestjs/common';
import type { TransactItem } from '../database/transact-item';
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

  /**
   * For another module's transaction that must only commit while the period is still open (a
   * threshold invoice: once the period is closed, its own invoice bills the rest).
   */
  openCheck(customerId: string, period: string): TransactItem {
    return this.usage.periodOpenCheck(customerId, period);
  }

  /** Whether the customer's period is closed (its invoice finalized); consistent read. */
  async isClosed(customerId: string, period: string): Promise<boolean> {
    return this.usage.isPeriodClosed(customerId, period);
  }

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
