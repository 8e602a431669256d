import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import type { Period } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import type { TransactItem } from '../database/transact-item';
import { ChargesService, type PlanVersionSource } from '../pricing/charges.service';
import { UsagePeriods } from '../usage/usage-periods.service';
import { PeriodNotEnded } from './invoice.errors';
import { invoiceAmounts } from './invoice-lines';
import type { InvoiceAmounts } from './invoice.model';

/**
 * The rules of finalizing an invoice, in one place for the API (`InvoicesService.finalize`) and
 * billing runs (`ChunkBiller`, which does a chunk of customers at once):
 *
 * 1. the period must have ended (`PERIOD_NOT_ENDED` otherwise), checked before anything is
 *    read or written;
 * 2. the customer's usage period is closed, at the time of that check, before the usage is
 *    read: no usage can land between the final calculation and the freeze;
 * 3. then the invoice is priced from the closed usage, and written as `finalizedInvoice` of
 *    those amounts (open, or paid when nothing is due).
 *
 * One customer: `closeAndPrice`. A chunk: `closingTime` once, `closeUsage` for all of them in
 * batch writes, then `priceCustomer` for each one that still needs an invoice.
 */
@Injectable()
export class InvoiceFinalizer {
  constructor(
    private readonly usage: UsagePeriods,
    private readonly charges: ChargesService,
    private readonly clock: Clock,
  ) {}

  /** Rule 1: the instant the period's usage is closed at, once the period has ended. */
  closingTime(period: Period): Date {
    const now = this.clock.now();
    if (now < period.end) throw new PeriodNotEnded(period.id);
    return now;
  }

  /** Rule 2 for many customers (billing runs), in batch writes; after `closingTime`. */
  async closeUsage(customerIds: readonly string[], period: Period, closedAt: Date): Promise<void> {
    await this.usage.closeMany(customerIds, period.id, closedAt.toISOString());
  }

  /**
   * For an invoice issued during the period (a threshold invoice): holds only while the
   * customer's usage period is open, so nothing is billed during the period once the period's
   * own invoice has closed it and priced what earlier invoices billed.
   */
  periodOpenCheck(customerId: string, period: string): TransactItem {
    return this.usage.openCheck(customerId, period);
  }

  /** Rules 1–3 for one customer: the final amounts of its invoice for `period`. */
  async closeAndPrice(customerId: string, period: Period): Promise<InvoiceAmounts> {
    const closedAt = this.closingTime(period);
    await this.usage.close(customerId, period.id, closedAt.toISOString());
    return invoiceAmounts(await this.charges.forPeriod(customerId, period.id));
  }

  /**
   * Rule 3 for a customer whose usage `closeUsage` closed, as the caller read it, with plan
   * versions the caller caches across customers (billing runs).
   */
  async priceCustomer(
    customer: Customer,
    period: Period,
    versions: PlanVersionSource,
  ): Promise<InvoiceAmounts> {
    return invoiceAmounts(await this.charges.forCustomer(customer, period.id, versions));
  }
}
