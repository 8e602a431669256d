import { Injectable } from '@nestjs/common';
import { Dec, type Decimal, ZERO, sumDecimals } from '../common/money';
import type { Period } from '../common/time/period';
import { UsageQueryService } from '../usage/usage-query.service';
import { type CreditGrant, holdsCredit } from './credit.model';
import {
  type Allocation,
  type DrawdownCharges,
  type DrawdownGrant,
  drawdown,
  inDrawdownOrder,
  pieceBoundaries,
  usableInPeriod,
} from './drawdown';

/**
 * The most grants one invoice draws on: the first ones in drawdown order. Bounds the finalizing
 * transaction (a grant is one item of it, as is each write-off a reversal may add).
 */
export const MAX_GRANTS_PER_INVOICE = 40;

/** A priced line as the invoice (or the charges of an open period) shows it. */
export interface PricedLine {
  kind: string;
  amount: string;
}

/** `usage` = Σ usage lines; `fixed` = the rest of the total (base fees, minimum top-up). */
export function chargesOf(lines: readonly PricedLine[], total: Decimal, due: Decimal) {
  const usage = sumDecimals(lines.filter((l) => l.kind === 'usage').map((l) => new Dec(l.amount)));
  return { usage, fixed: total.minus(usage), due } satisfies DrawdownCharges;
}

const asDrawdownGrant = (grant: CreditGrant): DrawdownGrant => ({
  grantId: grant.grantId,
  remaining: new Dec(grant.remaining),
  priority: grant.priority,
  effectiveAt: new Date(grant.effectiveAt),
  expiresAt: grant.expiresAt === null ? null : new Date(grant.expiresAt),
  createdAt: grant.createdAt,
});

/**
 * The drawdown (see drawdown.ts) of a customer's grants for one period's charges, with the
 * usage of each piece of the period read from the usage module when some usable grant is in
 * force for only part of it.
 */
@Injectable()
export class CreditDrawdown {
  constructor(private readonly usage: UsageQueryService) {}

  async allocate(
    customerId: string,
    currency: string,
    period: Period,
    charges: DrawdownCharges,
    grants: readonly CreditGrant[],
  ): Promise<Allocation[]> {
    if (charges.due.lessThanOrEqualTo(0)) return [];
    const usable = inDrawdownOrder(
      grants
        .filter((g) => g.currency === currency && holdsCredit(g))
        .map(asDrawdownGrant)
        .filter((g) => usableInPeriod(g, period)),
    ).slice(0, MAX_GRANTS_PER_INVOICE);
    if (usable.length === 0) return [];
    const bounds = pieceBoundaries(period, usable);
    const pieces =
      bounds.length > 2
        ? await Promise.all(
            bounds.slice(1).map(async (to, k) => {
              const rows = await this.usage.usageByEndpoint(customerId, bounds[k], to);
              const units = rows.reduce((sum, row) => sum.plus(row.quantity), ZERO);
              return { from: bounds[k], to, units };
            }),
          )
        : undefined;
    return drawdown({ currency, period, charges, grants: usable, pieces });
  }
}
