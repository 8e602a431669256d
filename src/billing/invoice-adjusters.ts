import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { providersOf } from '../common/discovery/providers-of';
import { Dec, ZERO, formatMoney } from '../common/money';
import type { TransactItem } from '../database/transact-item';
import { InvoiceAdjuster } from './invoice-adjuster';
import type { Invoice, InvoiceAmounts, InvoiceLine } from './invoice.model';

/** Lines adjusters add; everything else is priced. */
export const ADJUSTER_KINDS = new Set<InvoiceLine['kind']>(['credit', 'adjustment', 'deduction']);

/** The invoice an adjustment is for. */
export type AdjustedInvoice = Pick<Invoice, 'id' | 'number' | 'customerId' | 'period'> &
  Partial<Pick<Invoice, 'billingReason' | 'threshold'>>;

export interface Adjusted {
  amounts: InvoiceAmounts;
  /** For the finalizing transaction; empty for previews. */
  items: TransactItem[];
}

/**
 * Every `InvoiceAdjuster` of the application (found at start-up), applied in name order to an
 * invoice's priced amounts: each sees the lines and what is due after the ones before it, and
 * its lines follow them. `adjustment` lines (late usage of a past period) add to `total`,
 * `deduction` lines (what threshold invoices billed of the period) take off it; `credits` is
 * what `credit` lines took off, and `amountDue` = total − credits.
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
    const base = priced.lines.filter((line) => !ADJUSTER_KINDS.has(line.kind));
    const pricedTotal = new Dec(priced.total);
    const lines: InvoiceLine[] = [...base];
    const items: TransactItem[] = [];
    let total = pricedTotal;
    let credits = ZERO;
    for (const adjuster of this.adjusters) {
      const due = total.minus(credits);
      const adjustment = await adjuster.adjust({
        invoiceId: invoice.id,
        number: invoice.number,
        customerId: invoice.customerId,
        period: invoice.period,
        billingReason: invoice.billingReason ?? 'period',
        ...(invoice.threshold ? { threshold: invoice.threshold } : {}),
        currency,
        lines: [...lines],
        total: formatMoney(total, currency),
        amountDue: formatMoney(due, currency),
        at,
        finalizing,
      });
      let added = ZERO;
      let taken = ZERO;
      for (const line of adjustment.lines) {
        const amount = new Dec(line.amount);
        const valid = line.kind === 'adjustment' ? amount.isPositive() : amount.isNegative();
        if (!valid || amount.isZero()) {
          throw new Error(
            `Invoice adjuster "${adjuster.name}": credit and deduction lines must be negative, adjustment lines positive`,
          );
        }
        if (line.kind === 'credit') taken = taken.plus(amount.negated());
        else added = added.plus(amount);
      }
      // Deductions count in `added` (negative): nothing may take the invoice below zero.
      if (taken.gt(due.plus(added))) {
        throw new Error(`Invoice adjuster "${adjuster.name}" took more than is due`);
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
      total = total.plus(added);
      credits = credits.plus(taken);
      if (finalizing) items.push(...adjustment.items);
    }
    return {
      amounts: {
        ...priced,
        lines,
        total: formatMoney(total, currency),
        credits: formatMoney(credits, currency),
        amountDue: formatMoney(total.minus(credits), currency),
      },
      items,
    };
  }
}
