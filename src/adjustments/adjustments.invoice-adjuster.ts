import { Injectable } from '@nestjs/common';
import {
  type InvoiceAdjustment,
  type InvoiceAdjustmentContext,
  InvoiceAdjuster,
  NO_ADJUSTMENT,
} from '../billing/invoice-adjuster';
import { ZERO, formatMoney } from '../common/money';
import { PeriodAdjustments } from './period-adjustments.service';

/**
 * Puts late usage on the customer's next invoice: one `adjustment` line per corrected past
 * period whose re-priced amount exceeds what was invoiced and settled for it, "Adjustment for
 * 2026-10". Settled (with the usage module's pending marker) in the transaction that finalizes
 * the invoice. A period whose correction lowered its price is settled at once with a credit note
 * on its own invoice instead (NegativeAdjustments), so it never appears here; one that nets to
 * zero is settled without a line.
 */
@Injectable()
export class AdjustmentsInvoiceAdjuster extends InvoiceAdjuster {
  readonly name = 'adjustments';

  constructor(private readonly adjustments: PeriodAdjustments) {
    super();
  }

  async adjust(context: InvoiceAdjustmentContext): Promise<InvoiceAdjustment> {
    // Threshold invoices bill the period's usage so far; late usage waits for the period's own.
    if (context.billingReason !== 'period') return NO_ADJUSTMENT;
    const pending = (await this.adjustments.pending(context.customerId, context.period)).filter(
      (p) => !p.net.isNegative(),
    );
    if (pending.length === 0) return NO_ADJUSTMENT;
    const owed = pending.filter((p) => p.net.isPositive());
    return {
      lines: owed.map((p) => ({
        kind: 'adjustment' as const,
        description: `Adjustment for ${p.adjustment.period}`,
        amount: formatMoney(p.net, context.currency),
        reference: p.invoice.id,
      })),
      items: context.finalizing
        ? pending.flatMap((p) =>
            this.adjustments.settleItems(
              context.customerId,
              p,
              p.net.isPositive() ? p.net : ZERO,
              context.at,
            ),
          )
        : [],
    };
  }
}
