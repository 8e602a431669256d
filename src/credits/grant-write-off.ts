import { Dec, formatMoney } from '../common/money';
import type { OutboxWriter } from '../events';
import type { CreditBalance, CreditGrant } from './credit.model';
import { grantEventData, grantSummary } from './credit.model';
import type { LedgerChange } from './credit-ledger';

const WRITE_OFFS = {
  voided: { field: 'voidedAt', operation: 'credits.void', event: 'billing.credits.voided' },
  expired: { field: 'writtenOffAt', operation: 'credits.expire', event: 'billing.credits.expired' },
} as const;

/**
 * What is left of a grant written off, by voiding or after expiry: the grant at 0, a `voided`
 * or `expired` entry of the remainder (possibly 0), the audit record and the event. One ledger
 * change (see CreditLedger), so it commits with the balance or not at all.
 */
export function grantWriteOff(
  outbox: OutboxWriter,
  grant: CreditGrant,
  balance: CreditBalance | undefined,
  type: keyof typeof WRITE_OFFS,
  at: string,
  reason: string,
): LedgerChange & { grants: [{ before: CreditGrant; after: CreditGrant }] } {
  const { customerId, grantId } = grant;
  const { field, operation, event } = WRITE_OFFS[type];
  const left = new Dec(grant.remaining);
  const after: CreditGrant = {
    ...grant,
    remaining: formatMoney(new Dec(0), grant.currency),
    [field]: at,
  };
  return {
    customerId,
    currency: grant.currency,
    at,
    balance,
    grants: [{ before: grant, after }],
    drafts: [{ type, amount: left.negated(), grantId, reason }],
    describe: (_entries, balanceAfter) => ({
      audit: [
        {
          operation,
          entityType: 'credit_grant',
          entityId: `${customerId}:${grantId}`,
          before: grantSummary(grant),
          after: {
            ...grantSummary(after),
            ...(type === 'voided' ? { reason } : {}),
            balanceAfter,
          },
        },
      ],
      events: [
        outbox.event(
          event,
          { ...grantEventData(grant, left), balanceAfter },
          { customerId, occurredAt: at },
        ),
      ],
    }),
  };
}
