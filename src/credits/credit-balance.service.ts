import { Injectable } from '@nestjs/common';
import { InvoicesService } from '../billing/invoices.service';
import { type Decimal, Dec, ZERO, formatMoney, sumDecimals } from '../common/money';
import { Clock } from '../common/time/clock';
import { type Period, periodOf, previousPeriod } from '../common/time/period';
import { CustomersService } from '../customers/customers.service';
import { ChargesService, type ChargesJson } from '../pricing/charges.service';
import { type CreditGrant, holdsCredit } from './credit.model';
import { CreditDrawdown, chargesOf } from './credit-drawdown';
import { CreditsRepository } from './credits.repository';
import { inDrawdownOrder } from './drawdown';

export interface CreditBalanceView {
  customerId: string;
  currency: string;
  /** What the grants still hold (neither voided nor written off). */
  available: string;
  /** What credits would pay, by the drawdown rules, for the open periods' charges so far. */
  pendingSpend: string;
  /** The grants that hold credit, in drawdown order. */
  grants: { grantId: string; remaining: string; effectiveAt: string; expiresAt: string | null }[];
  asOf: string;
}

/** The priced lines of an open period, as its invoice would show them. */
const linesOf = (charges: ChargesJson) =>
  charges.lines.map((l) => ({ kind: 'usage', amount: l.amount }));

/**
 * A customer's credit balance and what its open periods will take from it. Open periods are
 * the current one and the previous one while its invoice is not final (none yet, or a draft):
 * their charges so far are drawn down in order, the previous period first, each on what the
 * one before left, exactly as finalizing their invoices would.
 */
@Injectable()
export class CreditBalanceService {
  constructor(
    private readonly repository: CreditsRepository,
    private readonly customers: CustomersService,
    private readonly charges: ChargesService,
    private readonly invoices: InvoicesService,
    private readonly drawdown: CreditDrawdown,
    private readonly clock: Clock,
  ) {}

  async balance(customerId: string): Promise<CreditBalanceView> {
    const customer = await this.customers.get(customerId);
    const now = this.clock.now();
    const currency = customer.currency;
    const { grants, balance } = await this.repository.getState(customerId);
    const holding = grants.filter(holdsCredit);
    const pending =
      holding.length > 0
        ? await this.pendingSpend(customerId, currency, holding, customer.createdAt, now)
        : ZERO;
    return {
      customerId,
      currency,
      available: formatMoney(new Dec(balance?.available ?? 0), currency),
      pendingSpend: formatMoney(pending, currency),
      grants: inDrawdownOrder(
        holding.map((g) => ({
          ...g,
          remaining: new Dec(g.remaining),
          effectiveAt: new Date(g.effectiveAt),
          expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt),
        })),
      ).map((g) => ({
        grantId: g.grantId,
        remaining: formatMoney(g.remaining, currency),
        effectiveAt: g.effectiveAt.toISOString(),
        expiresAt: g.expiresAt?.toISOString() ?? null,
      })),
      asOf: now.toISOString(),
    };
  }

  private async pendingSpend(
    customerId: string,
    currency: string,
    grants: CreditGrant[],
    customerCreatedAt: string,
    now: Date,
  ): Promise<Decimal> {
    const current = periodOf(now);
    const previous = previousPeriod(current);
    const [previousInvoice] = await this.invoices.forPeriod([customerId], previous.id);
    const open: Period[] = [];
    // A customer created since has nothing to pay for the previous period.
    const existed = Date.parse(customerCreatedAt) < current.start.getTime();
    if (existed && (!previousInvoice || previousInvoice.status === 'draft')) open.push(previous);
    open.push(current);

    let left = grants;
    const paid: Decimal[] = [];
    for (const period of open) {
      const charges = await this.charges.forPeriod(customerId, period.id);
      const total = new Dec(charges.total);
      const allocations = await this.drawdown.allocate(
        customerId,
        currency,
        period,
        chargesOf(linesOf(charges), total, total),
        left,
      );
      const taken = new Map(allocations.map((a) => [a.grantId, a.amount]));
      left = left.map((g) => {
        const amount = taken.get(g.grantId);
        return amount
          ? { ...g, remaining: formatMoney(new Dec(g.remaining).minus(amount), currency) }
          : g;
      });
      paid.push(...allocations.map((a) => a.amount));
    }
    return sumDecimals(paid);
  }
}
