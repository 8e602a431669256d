import { Injectable } from '@nestjs/common';
import {
  type InvoiceAdjustment,
  type InvoiceAdjustmentContext,
  InvoiceAdjuster,
  NO_ADJUSTMENT,
} from '../billing/invoice-adjuster';
import { type Decimal, Dec, formatMoney, sumDecimals } from '../common/money';
import { parsePeriod } from '../common/time/period';
import { OutboxWriter } from '../events';
import type { CreditGrant } from './credit.model';
import { CreditDrawdown, chargesOf } from './credit-drawdown';
import { CreditLedger } from './credit-ledger';
import { CreditsRepository } from './credits.repository';

/**
 * Prepaid credits on invoices: every time billing builds an invoice, the customer's usable
 * grants pay for it in drawdown order (drawdown.ts), one negative line per grant. A draft only
 * shows the lines. When the invoice is finalized, the returned items commit the drawdown in
 * billing's transaction: each grant conditioned on the revision read, the balance on its
 * sequence number, the `applied` ledger entry and the `APPLIED#<invoiceId>` record new, with the
 * audit record and the `billing.credits.applied` event. If anything moved in between, billing's
 * transaction fails and finalize asks again; nothing here assumes the items were written.
 */
@Injectable()
export class CreditsInvoiceAdjuster extends InvoiceAdjuster {
  readonly name = 'credits';

  constructor(
    private readonly repository: CreditsRepository,
    private readonly drawdown: CreditDrawdown,
    private readonly ledger: CreditLedger,
    private readonly outbox: OutboxWriter,
  ) {
    super();
  }

  async adjust(context: InvoiceAdjustmentContext): Promise<InvoiceAdjustment> {
    const { customerId, currency } = context;
    const state = await this.repository.getState(customerId);
    if (!state.balance || state.grants.length === 0) return NO_ADJUSTMENT;
    const allocations = await this.drawdown.allocate(
      customerId,
      currency,
      parsePeriod(context.period),
      chargesOf(context.lines, new Dec(context.total), new Dec(context.amountDue)),
      state.grants,
    );
    if (allocations.length === 0) return NO_ADJUSTMENT;
    const grants = new Map(state.grants.map((g) => [g.grantId, g]));
    const used = allocations.map((a) => ({ grant: grants.get(a.grantId) as CreditGrant, ...a }));
    const lines = used.map(({ grant, amount }) => ({
      kind: 'credit' as const,
      description: `Prepaid credit (${grant.kind}, grant ${grant.grantId})`,
      amount: formatMoney(amount.negated(), currency),
      reference: grant.grantId,
    }));
    if (!context.finalizing) return { lines, items: [] };

    const total = sumDecimals(used.map((u) => u.amount));
    const money = (d: Decimal) => formatMoney(d, currency);
    const prepared = this.ledger.prepare({
      customerId,
      currency,
      at: context.at,
      balance: state.balance,
      grants: used.map(({ grant, amount }) => ({
        before: grant,
        after: { ...grant, remaining: money(new Dec(grant.remaining).minus(amount)) },
      })),
      drafts: [
        {
          type: 'applied',
          amount: total.negated(),
          invoiceId: context.invoiceId,
          grants: used.map((u) => ({ grantId: u.grantId, amount: u.amount.negated() })),
          reason: `invoice ${context.number} (${context.period}) finalized`,
        },
      ],
      applied: {
        expect: 'new',
        record: {
          customerId,
          invoiceId: context.invoiceId,
          period: context.period,
          currency,
          amount: money(total),
          grants: used.map((u) => ({ grantId: u.grantId, amount: money(u.amount) })),
          appliedAt: context.at,
        },
      },
      describe: (_entries, balanceAfter) => {
        const paid = used.map((u) => ({ grantId: u.grantId, amount: money(u.amount) }));
        return {
          audit: [
            {
              operation: 'credits.apply',
              entityType: 'customer',
              entityId: customerId,
              after: {
                invoiceId: context.invoiceId,
                amount: money(total),
                grants: paid,
                balanceAfter,
              },
            },
          ],
          events: [
            this.outbox.event(
              'billing.credits.applied',
              {
                invoiceId: context.invoiceId,
                currency,
                amount: money(total),
                grants: paid,
                balanceAfter,
              },
              { customerId, occurredAt: context.at },
            ),
          ],
        };
      },
    });
    return { lines, items: prepared.items };
  }
}
