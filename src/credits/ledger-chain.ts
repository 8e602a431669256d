import { type Decimal, formatMoney } from '../common/money';
import type { Actor } from '../common/request-context';
import type { LedgerEntry, LedgerEntryType } from './credit.model';

/** A ledger entry before it has its place in the chain. Amounts are signed. */
export interface EntryDraft {
  type: LedgerEntryType;
  amount: Decimal;
  grantId?: string;
  invoiceId?: string;
  grants?: { grantId: string; amount: Decimal }[];
  reason: string;
}

/** The ledger's head: the balance after the newest entry, and that entry's sequence number. */
export interface LedgerHead {
  available: Decimal;
  seq: number;
}

export interface EntryContext {
  customerId: string;
  currency: string;
  at: string;
  actor: Actor;
  requestId: string | null;
}

/**
 * Appends `drafts` after `head`: each entry takes the next sequence number and the balance after
 * it, so every entry's `balanceAfter` is the previous one's plus its own amount.
 */
export function appendEntries(
  head: LedgerHead,
  drafts: readonly EntryDraft[],
  context: EntryContext,
): { entries: LedgerEntry[]; head: LedgerHead } {
  const money = (d: Decimal) => formatMoney(d, context.currency);
  let { available, seq } = head;
  const entries = drafts.map((draft): LedgerEntry => {
    available = available.plus(draft.amount);
    seq += 1;
    const grants =
      draft.grants ?? (draft.grantId ? [{ grantId: draft.grantId, amount: draft.amount }] : []);
    return {
      customerId: context.customerId,
      seq,
      type: draft.type,
      currency: context.currency,
      amount: money(draft.amount),
      balanceAfter: money(available),
      at: context.at,
      grantId: draft.grantId ?? null,
      invoiceId: draft.invoiceId ?? null,
      grants: grants.map((g) => ({ grantId: g.grantId, amount: money(g.amount) })),
      actor: context.actor,
      requestId: context.requestId,
      reason: draft.reason,
    };
  });
  return { entries, head: { available, seq } };
}
