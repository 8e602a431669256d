import { Injectable } from '@nestjs/common';
import {
  type InvoiceAdjustment,
  type InvoiceAdjustmentContext,
  InvoiceAdjuster,
  NO_ADJUSTMENT,
} from '../billing/invoice-adjuster';
import { Dec, ZERO, formatMoney, sumDecimals } from '../common/money';
import { BillingThresholdsService } from './billing-thresholds.service';

/**
 * Takes what the period's threshold invoices billed off the invoices that follow them: the
 * period's own invoice ("Billed at thresholds") and each later threshold invoice ("Billed at
 * earlier thresholds"), never below zero, so base fees and the minimum still apply at period
 * end. Void threshold invoices do not count. Runs before credits (name order), so credits pay
 * only what is left. Nothing to commit: once the period's own invoice closed the usage, no
 * threshold invoice can be issued for it any more (`issueThresholdInvoice` checks in its
 * transaction), so what this read cannot grow behind it.
 */
@Injectable()
export class BilledAtThresholdsAdjuster extends InvoiceAdjuster {
  readonly name = 'billed-at-thresholds';

  constructor(private readonly thresholds: BillingThresholdsService) {
    super();
  }

  async adjust(context: InvoiceAdjustmentContext): Promise<InvoiceAdjustment> {
    const below = context.billingReason === 'threshold' ? context.threshold?.index : undefined;
    const billed = await this.thresholds.billedIn(context.customerId, context.period, below);
    if (billed.length === 0) return NO_ADJUSTMENT;
    const total = sumDecimals(billed.map((invoice) => new Dec(invoice.total)));
    const due = new Dec(context.amountDue);
    const amount = Dec.min(total, due.isNegative() ? ZERO : due);
    if (amount.isZero()) return NO_ADJUSTMENT;
    return {
      lines: [
        {
          kind: 'deduction',
          description: `${below === undefined ? 'Billed at thresholds' : 'Billed at earlier thresholds'} (${billed.map((i) => i.number).join(', ')})`,
          amount: formatMoney(amount.negated(), context.currency),
          reference: billed.map((i) => i.id).join(','),
        },
      ],
      items: [],
    };
  }
}
