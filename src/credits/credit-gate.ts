import { Injectable } from '@nestjs/common';
import { invoiceIdFor } from '../billing/invoice.model';
import { InvoiceNotFound } from '../billing/invoice.errors';
import { InvoicesService } from '../billing/invoices.service';
import { Dec, type Decimal, ZERO, formatMoney, sumDecimals } from '../common/money';
import { periodOf, previousPeriod } from '../common/time/period';
import { CustomersService } from '../customers/customers.service';
import { ChargesService, type UsageAddition } from '../pricing/charges.service';
import type { UsageEvent } from '../usage/usage.model';
import {
  ADMIT_ALL,
  type GateDecision,
  type GateRefusal,
  UsageGate,
  eventsByCustomer,
} from '../usage/usage-gate';
import { CreditSpendRepository } from './credit-spend.repository';
import { type CreditGrant, holdsCredit } from './credit.model';
import { CreditsRepository } from './credits.repository';

/**
 * Real-time blocking for customers whose credit policy is `overdraft: "block"`: usage is recorded
 * only while the priced spend of the customer's open periods stays within the prepaid credit
 * available now; an event whose price would take it past is refused (402 INSUFFICIENT_CREDIT),
 * the events of a batch that fit are accepted in arrival order.
 *
 * - **Price of an event**: the open period's priced total (usage lines, base fee, minimum, the
 *   plan versions in force; exactly what its invoice would show) with the event minus without
 *   it. For per-unit and graduated charges that is the marginal `price(Q+q) − price(Q)`. Volume
 *   pricing can make it negative (reaching a cheaper tier lowers the whole charge): such an
 *   event lowers the spend and is always admitted. An event priced at zero (free units) is
 *   admitted even when the spend already exceeds the credit (a base fee alone can).
 * - **Open periods**: the current month, and the previous one until its invoice is finalized.
 * - **Available**: what grants in force now still hold (`effectiveAt ≤ now < expiresAt`). Grants
 *   not in force yet, or expired, are left out, so the gate errs on the side of refusing.
 * - **Exact across instances**: the gate reads the customer's spend revision first, then the
 *   usage; its items bump that revision (conditioned on the value read) and check that the
 *   credit balance has not moved, in the transaction that records the events. Two admissions
 *   priced from the same usage cannot both commit: the loser is asked again with the winner's
 *   usage, so the admitted spend never passes the credit by a cent.
 * - The policy is read from the customer record cached for up to 10 s: switching a customer to
 *   `block` takes effect on every instance within that time (at once with a shared cache).
 */
@Injectable()
export class CreditGate extends UsageGate {
  readonly name = 'credits';
  /** Customer + period whose invoice is final: facts that never change, kept per instance. */
  private readonly invoiced = new Set<string>();

  constructor(
    private readonly customers: CustomersService,
    private readonly charges: ChargesService,
    private readonly invoices: InvoicesService,
    private readonly credits: CreditsRepository,
    private readonly spend: CreditSpendRepository,
  ) {
    super();
  }

  async admit(events: readonly UsageEvent[], now: Date): Promise<GateDecision> {
    const byCustomer = eventsByCustomer(events);
    const blocked = (
      await Promise.all(
        [...byCustomer.keys()].map(async (customerId) => {
          const customer = await this.customers.getCached(customerId);
          return customer?.creditPolicy?.overdraft === 'block' ? customerId : undefined;
        }),
      )
    ).filter((id): id is string => id !== undefined);
    if (blocked.length === 0) return ADMIT_ALL;
    const decisions = await Promise.all(
      blocked.map((customerId) => this.admitCustomer(customerId, byCustomer.get(customerId)!, now)),
    );
    return {
      refused: new Map(decisions.flatMap((d) => [...d.refused])),
      items: new Map(decisions.flatMap((d) => [...d.items])),
    };
  }

  private async admitCustomer(
    customerId: string,
    events: UsageEvent[],
    now: Date,
  ): Promise<GateDecision> {
    // The revision first: usage admitted after this read moves it, and fails our transaction.
    const revision = await this.spend.revision(customerId);
    const [customer, state] = await Promise.all([
      this.customers.get(customerId),
      this.credits.getState(customerId),
    ]);
    const available = availableNow(state.grants, now);
    const periods = await this.openPeriods(customerId, now);
    const versions = this.charges.cachedVersions();
    const pricers = new Map(
      await Promise.all(
        periods.map(
          async (period) =>
            [period, await this.charges.totalWithUsage(customer, period, versions)] as const,
        ),
      ),
    );
    const added = new Map<string, UsageAddition[]>(periods.map((p) => [p, []]));
    const totals = new Map<string, Decimal>(periods.map((p) => [p, pricers.get(p)!([])]));
    let spend = sumDecimals([...totals.values()]);

    const refused = new Map<UsageEvent, GateRefusal>();
    for (const event of events) {
      const pricer = pricers.get(event.period);
      // Not an open period: invoiced and closed, which the usage writer refuses on its own.
      if (!pricer) continue;
      const list = [...added.get(event.period)!, event];
      const total = pricer(list);
      const next = spend.minus(totals.get(event.period)!).plus(total);
      if (next.greaterThan(spend) && next.greaterThan(available)) {
        refused.set(event, insufficient(customer.currency, next, available));
        continue;
      }
      added.set(event.period, list);
      totals.set(event.period, total);
      spend = next;
    }
    if (refused.size === events.length) return { refused, items: new Map() };
    return {
      refused,
      items: new Map([
        [
          customerId,
          [
            this.spend.bump(customerId, revision),
            this.spend.balanceUnchanged(customerId, state.balance?.seq),
          ],
        ],
      ]),
    };
  }

  /** The current period, and the previous one while its invoice is not final. */
  private async openPeriods(customerId: string, now: Date): Promise<string[]> {
    const current = periodOf(now);
    const previous = previousPeriod(current).id;
    const key = `${customerId}\u0000${previous}`;
    if (this.invoiced.has(key)) return [current.id];
    try {
      const invoice = await this.invoices.get(invoiceIdFor(customerId, previous));
      if (invoice.status !== 'draft') {
        this.invoiced.add(key);
        return [current.id];
      }
    } catch (error) {
      if (!(error instanceof InvoiceNotFound)) throw error;
    }
    return [previous, current.id];
  }
}

/** What grants in force at `now` still hold. */
export function availableNow(grants: readonly CreditGrant[], now: Date): Decimal {
  const t = now.getTime();
  return sumDecimals(
    grants
      .filter(
        (g) =>
          holdsCredit(g) &&
          Date.parse(g.effectiveAt) <= t &&
          (g.expiresAt === null || Date.parse(g.expiresAt) > t),
      )
      .map((g) => new Dec(g.remaining)),
  ).plus(ZERO);
}

function insufficient(currency: string, spend: Decimal, available: Decimal): GateRefusal {
  return {
    code: 'INSUFFICIENT_CREDIT',
    kind: 'payment_required',
    message: `Recording this usage would take the priced spend of open periods to ${formatMoney(spend, currency)} ${currency}, past the ${formatMoney(available, currency)} ${currency} of prepaid credit available`,
  };
}
