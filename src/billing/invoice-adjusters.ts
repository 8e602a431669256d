import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { providersOf } from '../common/discovery/providers-of';
import { Dec, ZERO, formatMoney, sumDecimals } from '../common/money';
import type { TransactItem } from '../database/transact-item';
import { InvoiceAdjuster } from './invoice-adjuster';
import type { Invoice, InvoiceAmounts, InvoiceLine } from './invoice.model';

/** The invoice an adjustment is for. */
export type AdjustedInvoice = Pick<Invoice, 'id' | 'number' | 'customerId' | 'period'>;

export interface Adjusted {
  amounts: InvoiceAmounts;
  /** For the finalizing transaction; empty for previews. */
  items: TransactItem[];
}

/**
 * Every `InvoiceAdjuster` of the application (found at start-up), applied in name order to an
 * invoice's priced amounts: each sees what is still due after the ones before it, and its lines
 * follow the priced lines. `total` stays the priced total; `credits` is what the adjusters took
 * off and `amountDue` what is left.
 */
@Injectable()
export class InvoiceAdjusters implements OnModuleInit {
  private adjusters: InvoiceAdjuster[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.adjusters = providersOf(this.discovery, InvoiceAdjuster, 'invoice adjusters');
  }

  /**
   * `priced` with every adjuster's lines. Previews (`finalizing` false) write nothing; when
   * finalizing, `items` must go into the transaction that finalizes the invoice.
   */
  async apply(
    priced: InvoiceAmounts,
    invoice: AdjustedInvoice,
    at: string,
    finalizing: boolean,
  ): Promise<Adjusted> {
    const { currency } = priced;
    const base = priced.lines.filter((line) => line.kind !== 'credit');
    const lines: InvoiceLine[] = [...base];
    const items: TransactItem[] = [];
    let due = new Dec(priced.total);
    for (const adjuster of this.adjusters) {
      if (due.lessThanOrEqualTo(0)) break;
      const adjustment = await adjuster.adjust({
        invoiceId: invoice.id,
        number: invoice.number,
        customerId: invoice.customerId,
        period: invoice.period,
        currency,
        lines: base,
        total: priced.total,
        amountDue: formatMoney(due, currency),
        at,
        finalizing,
      });
      const taken = sumDecimals(adjustment.lines.map((line) => new Dec(line.amount).negated()));
      if (adjustment.lines.some((line) => !new Dec(line.amount).isNegative()) || taken.gt(due)) {
        throw new Error(
          `Invoice adjuster "${adjuster.name}" must only take off (negative lines), at most what is due`,
        );
      }
      adjustment.lines.forEach((line, i) =>
        lines.push({
          id: `${adjuster.name}-${i + 1}`,
          kind: line.kind,
          description: line.description,
          amount: formatMoney(new Dec(line.amount), currency),
          ...(line.reference ? { reference: line.reference } : {}),
        }),
      );
      due = due.minus(taken);
      if (finalizing) items.push(...adjustment.items);
    }
    const credits = new Dec(priced.total).minus(due);
    return {
      amounts: {
        ...priced,
        lines,
        credits: formatMoney(credits.isZero() ? ZERO : credits, currency),
        amountDue: formatMoney(due, currency),
      },
      items,
    };
  }
}
