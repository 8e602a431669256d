import { Injectable } from '@nestjs/common';
import { InvoiceNotFound } from '../billing/invoice.errors';
import { type Invoice, invoiceIdFor } from '../billing/invoice.model';
import { InvoicesService } from '../billing/invoices.service';
import { Dec, type Decimal, sumDecimals } from '../common/money';
import { ChargesService } from '../pricing/charges.service';
import type { PeriodAdjustment } from '../usage/usage.model';
import { UsageCorrectionsService } from '../usage/usage-corrections.service';
import {
  PeriodAdjustmentsRepository,
  type SettledAdjustment,
} from './period-adjustments.repository';

/** Lines of an invoice that price its own period (not adjusters' lines for other things). */
const PRICED_KINDS = new Set<string>(['usage', 'base_fee', 'minimum']);

/** A corrected past period and what its correction comes to now. */
export interface PendingAdjustment {
  adjustment: PeriodAdjustment;
  invoice: Invoice;
  settled: SettledAdjustment;
  /** Re-priced − invoiced − settled before: > 0 is owed by the customer, < 0 owed to them. */
  net: Decimal;
}

/**
 * Usage corrected after its period was invoiced: the period re-priced from the corrected usage
 * with the plan versions in force then (tiers, minimum and base fee re-evaluated), minus what
 * its invoice priced, minus what adjustments settled for it since. Several corrections between
 * two settlements are one adjustment.
 */
@Injectable()
export class PeriodAdjustments {
  constructor(
    private readonly corrections: UsageCorrectionsService,
    private readonly charges: ChargesService,
    private readonly invoices: InvoicesService,
    private readonly settlements: PeriodAdjustmentsRepository,
  ) {}

  /** The customer's corrected periods before `beforePeriod`, with an invoice to adjust. */
  async pending(customerId: string, beforePeriod?: string): Promise<PendingAdjustment[]> {
    const pending = (await this.corrections.pendingAdjustments(customerId)).filter(
      (a) => beforePeriod === undefined || a.period < beforePeriod,
    );
    const found = await Promise.all(pending.map((a) => this.evaluate(customerId, a)));
    return found.filter((p): p is PendingAdjustment => p !== undefined);
  }

  /** One corrected period, or undefined while it has no invoice that was sent (draft, void). */
  async evaluate(
    customerId: string,
    adjustment: PeriodAdjustment,
  ): Promise<PendingAdjustment | undefined> {
    const invoice = await this.invoiceOf(customerId, adjustment.period);
    if (!invoice || invoice.status === 'draft' || invoice.status === 'void') return undefined;
    const [charges, settled] = await Promise.all([
      this.charges.forPeriod(customerId, adjustment.period),
      this.settlements.get(customerId, adjustment.period),
    ]);
    const invoiced = sumDecimals(
      invoice.lines.filter((l) => PRICED_KINDS.has(l.kind)).map((l) => new Dec(l.amount)),
    );
    const net = new Dec(charges.total).minus(invoiced).minus(settled.settled);
    return { adjustment, invoice, settled, net };
  }

  /** The items that settle `pending` at `amount` (its net, or 0 for nothing left to settle). */
  settleItems(customerId: string, pending: PendingAdjustment, amount: Decimal, at: string) {
    return [
      ...this.corrections.markAdjustmentsBilled(customerId, [pending.adjustment]),
      this.settlements.settleItem(
        customerId,
        pending.adjustment.period,
        pending.settled,
        amount,
        at,
      ),
    ];
  }

  private async invoiceOf(customerId: string, period: string): Promise<Invoice | undefined> {
    try {
      return await this.invoices.get(invoiceIdFor(customerId, period));
    } catch (error) {
      if (error instanceof InvoiceNotFound) return undefined;
      throw error;
    }
  }
}
