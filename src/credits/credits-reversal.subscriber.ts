import { Injectable } from '@nestjs/common';
import type { AuditChange } from '../audit/audit.model';
import { type Decimal, Dec, formatMoney, sumDecimals } from '../common/money';
import { Clock } from '../common/time/clock';
import {
  type BillingEvent,
  type BillingEventFor,
  BillingEventSubscriber,
  OutboxWriter,
} from '../events';
import { type CreditGrant, grantEventData } from './credit.model';
import { CreditLedger } from './credit-ledger';
import { CreditsRepository } from './credits.repository';
import type { EntryDraft } from './ledger-chain';

/**
 * Gives credits back when an invoice they paid is voided: exactly what its `APPLIED#<invoiceId>`
 * record says each grant paid, once (the record is marked reversed in the same transaction,
 * conditioned on not being reversed yet, so redeliveries and racing instances do nothing more).
 *
 * Each amount returns to the grant it came from (a `reversed` entry). A grant that can still be
 * used keeps it, and if it has expired meanwhile the expiry sweep writes it off as usual. A grant
 * that was voided or already written off takes it back and loses it again in the same
 * transaction, by a `voided` or `expired` entry right after the `reversed` one: the ledger shows
 * both, its remaining stays 0, and the balance ends where it was.
 */
@Injectable()
export class CreditsReversalSubscriber extends BillingEventSubscriber<'billing.invoice.voided'> {
  readonly name = 'credits-reversal';
  readonly eventTypes = ['billing.invoice.voided'] as const;

  constructor(
    private readonly repository: CreditsRepository,
    private readonly ledger: CreditLedger,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: BillingEventFor<'billing.invoice.voided'>): Promise<void> {
    if (!event.customerId) return;
    await this.reverse(event.customerId, event.data.invoiceId);
  }

  /** True when this call gave the credits back; false when there was nothing (left) to give. */
  async reverse(customerId: string, invoiceId: string): Promise<boolean> {
    return this.ledger.run(customerId, async () => {
      const applied = await this.repository.getApplied(customerId, invoiceId);
      if (!applied || applied.reversedAt) return { result: () => false };
      const { grants, balance } = await this.repository.getState(customerId);
      const byId = new Map(grants.map((g) => [g.grantId, g]));
      const at = this.clock.now().toISOString();
      const { currency } = applied;
      const money = (d: Decimal) => formatMoney(d, currency);
      const back = applied.grants.map((g) => ({ grantId: g.grantId, amount: new Dec(g.amount) }));
      const total = sumDecimals(back.map((b) => b.amount));
      const drafts: EntryDraft[] = [
        {
          type: 'reversed',
          amount: total,
          invoiceId,
          grants: back,
          reason: `invoice ${invoiceId} voided`,
        },
      ];
      const changed: { before: CreditGrant; after: CreditGrant }[] = [];
      const lost: { grant: CreditGrant; amount: Decimal; type: 'voided' | 'expired' }[] = [];
      for (const { grantId, amount } of back) {
        const grant = byId.get(grantId);
        if (!grant) throw new Error(`Credit grant ${grantId} of ${customerId} is missing`);
        if (grant.voidedAt || grant.writtenOffAt) {
          const type = grant.voidedAt ? 'voided' : 'expired';
          lost.push({ grant, amount, type });
          drafts.push({
            type,
            amount: amount.negated(),
            grantId,
            reason: `reversed credit of invoice ${invoiceId} returned to a ${type === 'voided' ? 'voided' : 'written-off'} grant`,
          });
          // Its remaining goes up and down again in the same change: it stays as it is.
          continue;
        }
        changed.push({
          before: grant,
          after: { ...grant, remaining: money(new Dec(grant.remaining).plus(amount)) },
        });
      }
      return {
        change: {
          customerId,
          currency,
          at,
          balance,
          grants: changed,
          drafts,
          applied: { expect: 'unreversed', record: { ...applied, reversedAt: at } },
          describe: (entries, balanceAfter) => {
            const reversedAfter = entries[0].balanceAfter;
            const given = back.map((b) => ({ grantId: b.grantId, amount: money(b.amount) }));
            const audit: AuditChange[] = [
              {
                operation: 'credits.reverse',
                entityType: 'customer',
                entityId: customerId,
                after: {
                  invoiceId,
                  amount: money(total),
                  grants: given,
                  lostAgain: lost.map((l) => ({ grantId: l.grant.grantId, type: l.type })),
                  balanceAfter,
                },
              },
            ];
            const events: BillingEvent[] = [
              this.outbox.event(
                'billing.credits.reversed',
                {
                  invoiceId,
                  currency,
                  amount: money(total),
                  grants: given,
                  balanceAfter: reversedAfter,
                },
                { customerId, occurredAt: at },
              ),
              ...lost.map((l, i) =>
                this.outbox.event(
                  l.type === 'voided' ? 'billing.credits.voided' : 'billing.credits.expired',
                  {
                    ...grantEventData(l.grant, l.amount),
                    balanceAfter: entries[i + 1].balanceAfter,
                  },
                  { customerId, occurredAt: at },
                ),
              ),
            ];
            return { audit, events };
          },
        },
        result: () => true,
      };
    });
  }
}
