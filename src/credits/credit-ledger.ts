import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import type { AuditChange } from '../audit/audit.model';
import { AuditService } from '../audit/audit.service';
import { Dec, ZERO, formatMoney } from '../common/money';
import { RequestContext } from '../common/request-context';
import type { TransactItem } from '../database/transact-item';
import { type BillingEvent, OutboxWriter } from '../events';
import { CreditLedgerConflict } from './credit.errors';
import type { AppliedCredits, CreditBalance, CreditGrant, LedgerEntry } from './credit.model';
import { type CreditsWrite, CreditsRepository } from './credits.repository';
import { type EntryDraft, appendEntries } from './ledger-chain';

/** Read-modify-write attempts of one ledger change before giving up (409). */
const MAX_ATTEMPTS = 10;

/**
 * One change of a customer's credits, as decided from what was read: the grants it rewrites
 * (each conditioned on the revision read), the entries it appends after the balance read (the
 * balance is conditioned on its sequence number), and what the audit trail and the event stream
 * say about it once the entries have their balances.
 */
export interface LedgerChange {
  customerId: string;
  currency: string;
  at: string;
  /** The balance as read; undefined before the customer's first grant. */
  balance: CreditBalance | undefined;
  /** `before` undefined: a new grant. `after` takes revision `before.revision + 1`. */
  grants: { before?: CreditGrant; after: CreditGrant }[];
  drafts: EntryDraft[];
  /** A new application (its `seq` is the `applied` entry's) or the reversal of one. */
  applied?:
    | { expect: 'new'; record: Omit<AppliedCredits, 'seq'> }
    | { expect: 'unreversed'; record: AppliedCredits };
  describe(
    entries: LedgerEntry[],
    balanceAfter: string,
  ): { audit: AuditChange[]; events: BillingEvent[] };
}

export interface PreparedChange {
  /** Every item of the change, for a transaction someone else writes (invoice finalizing). */
  items: TransactItem[];
  write: CreditsWrite;
  extra: TransactItem[];
  entries: LedgerEntry[];
  grants: CreditGrant[];
  balance: CreditBalance;
}

/**
 * Turns ledger changes into one transaction each: grants, balance, entries, the application
 * record, the audit records and the outbox item, all or nothing. The balance's sequence number
 * serialises every change of a customer's credits, across instances, so balances are exact.
 */
@Injectable()
export class CreditLedger {
  constructor(
    private readonly repository: CreditsRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  prepare(change: LedgerChange): PreparedChange {
    const head = change.balance
      ? { available: new Dec(change.balance.available), seq: change.balance.seq }
      : { available: ZERO, seq: 0 };
    const { entries, head: after } = appendEntries(head, change.drafts, {
      customerId: change.customerId,
      currency: change.currency,
      at: change.at,
      actor: RequestContext.actor(),
      requestId: RequestContext.requestId() ?? null,
    });
    const balance: CreditBalance = {
      customerId: change.customerId,
      currency: change.currency,
      available: formatMoney(after.available, change.currency),
      seq: after.seq,
      updatedAt: change.at,
    };
    const grants = change.grants.map(({ before, after: grant }) => ({
      grant: { ...grant, revision: (before?.revision ?? 0) + 1 },
      expectedRevision: before?.revision,
    }));
    let applied: CreditsWrite['applied'];
    if (change.applied?.expect === 'new') {
      const entry = entries.find((e) => e.type === 'applied');
      if (!entry) throw new Error('An application needs its applied ledger entry');
      applied = { expect: 'new', record: { ...change.applied.record, seq: entry.seq } };
    } else if (change.applied) {
      applied = change.applied;
    }
    const write: CreditsWrite = {
      customerId: change.customerId,
      grants,
      balance: { record: balance, expectedSeq: change.balance?.seq },
      entries,
      applied,
    };
    const { audit, events } = change.describe(entries, balance.available);
    const outboxItem = this.outbox.entryFor(events);
    const extra = [...this.audit.entries(...audit), ...(outboxItem ? [outboxItem] : [])];
    return {
      items: [...this.repository.itemsFor(write), ...extra],
      write,
      extra,
      entries,
      grants: grants.map((g) => g.grant),
      balance,
    };
  }

  /**
   * Reads (`decide`), writes, and reads again while the write lost a race, with a short random
   * pause between attempts. `decide` returns no change when there is nothing to write.
   */
  async run<T>(
    customerId: string,
    decide: () => Promise<{ change?: LedgerChange; result: (prepared?: PreparedChange) => T }>,
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(5 + Math.floor(Math.random() * 20 * attempt));
      const { change, result } = await decide();
      if (!change) return result();
      const prepared = this.prepare(change);
      if (await this.repository.write(prepared.write, prepared.extra)) return result(prepared);
    }
    throw new CreditLedgerConflict(customerId);
  }
}
