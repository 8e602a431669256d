import { Injectable } from '@nestjs/common';
import { InvalidCursor, ValidationFailed } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { IdGenerator } from '../common/ids';
import { type Decimal, Dec, formatMoney, moneyInput } from '../common/money';
import { Clock } from '../common/time/clock';
import { parseInstant } from '../common/time/instant';
import { CustomerArchived } from '../customers/customer.errors';
import type { Customer } from '../customers/customer.model';
import { CustomersService } from '../customers/customers.service';
import { OutboxWriter } from '../events';
import type { TransactItem } from '../database/transact-item';
import { CreditGrantConflict, CreditGrantNotFound, CreditGrantOfCreditNote } from './credit.errors';
import {
  type CreditBalance,
  type CreditGrant,
  type CreditGrantKind,
  type CreditGrantStatus,
  DEFAULT_CREDIT_PRIORITY,
  grantEventData,
  grantStatus,
  grantSummary,
} from './credit.model';
import { CreditLedger, type LedgerChange } from './credit-ledger';
import { CreditKeys, CreditsRepository } from './credits.repository';
import { grantWriteOff } from './grant-write-off';

export interface GrantCreditInput {
  grantId?: string;
  amount: string;
  kind: CreditGrantKind;
  priority?: number;
  effectiveAt?: string;
  expiresAt?: string;
  description?: string;
  metadata?: Record<string, string>;
}

const jsonKey = (metadata: Record<string, string>) =>
  JSON.stringify(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Grants, voids and reads of prepaid credits. Every change of money is one ledger change
 * (CreditLedger): grant(s), balance, ledger entry, audit record and event in one transaction.
 */
@Injectable()
export class CreditsService {
  constructor(
    private readonly repository: CreditsRepository,
    private readonly ledger: CreditLedger,
    private readonly customers: CustomersService,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * A new grant (`created: true`), or the one stored under the same `grantId` when the request
   * is the same grant (a retry). The same id for a different grant → CREDIT_GRANT_CONFLICT.
   */
  async grant(
    customerId: string,
    input: GrantCreditInput,
  ): Promise<{ grant: CreditGrant; created: boolean }> {
    const customer = await this.customers.get(customerId);
    const now = this.clock.now();
    const requested = this.newGrant(customer, input, now);
    return this.ledger.run<{ grant: CreditGrant; created: boolean }>(customerId, async () => {
      const existing = await this.repository.getGrant(customerId, requested.grantId);
      if (existing) {
        this.checkSameGrant(existing, requested);
        return { result: () => ({ grant: existing, created: false }) };
      }
      // Only new grants need an active customer: a retry of one made before archiving is fine.
      if (customer.status === 'archived') throw new CustomerArchived(customerId);
      const { balance } = await this.repository.getState(customerId);
      return {
        change: this.grantChange(requested, balance),
        result: (prepared) => ({ grant: prepared?.grants[0] ?? requested, created: true }),
      };
    });
  }

  /**
   * A `credit_note` grant of `amount` named `grantId`, as items for the credit note's own
   * transaction (grant, balance conditioned on the ledger's sequence number, `grant` entry, audit
   * record, `billing.credits.granted`): the credit exists exactly when the note does. If the
   * ledger moves before that transaction commits, it fails and the caller prepares again. The
   * grant never expires and is in force from `effectiveAt`. A grant of that id existing already
   * is a CREDIT_GRANT_CONFLICT.
   */
  async prepareCreditNoteGrant(
    customerId: string,
    input: {
      grantId: string;
      amount: Decimal;
      currency: string;
      effectiveAt: string;
      at: string;
      description: string;
      metadata: Record<string, string>;
    },
  ): Promise<{ grant: CreditGrant; items: TransactItem[] }> {
    if (await this.repository.getGrant(customerId, input.grantId)) {
      throw new CreditGrantConflict(customerId, input.grantId, ['kind']);
    }
    const { balance } = await this.repository.getState(customerId);
    const money = formatMoney(input.amount, input.currency);
    const grant: CreditGrant = {
      grantId: input.grantId,
      customerId,
      kind: 'credit_note',
      currency: input.currency,
      amount: money,
      remaining: money,
      priority: DEFAULT_CREDIT_PRIORITY,
      effectiveAt: input.effectiveAt,
      expiresAt: null,
      createdAt: input.at,
      description: input.description,
      metadata: input.metadata,
      effectiveAtGiven: true,
      revision: 1,
    };
    const prepared = this.ledger.prepare(this.grantChange(grant, balance));
    return { grant: prepared.grants[0], items: prepared.items };
  }

  /**
   * Voids a `credit_note` grant while none of it was spent, as items for the credit note's own
   * transaction (the grant conditioned on its revision, so it cannot be spent in between):
   * `spent` says how much was used when some was, and then nothing can be voided. A grant
   * voided already needs nothing more.
   */
  async prepareVoidUnspent(
    customerId: string,
    grantId: string,
    reason: string,
    at: string,
  ): Promise<{ items: TransactItem[]; spent?: undefined } | { spent: Decimal }> {
    const grant = await this.repository.getGrant(customerId, grantId);
    if (!grant) throw new CreditGrantNotFound(customerId, grantId);
    if (grant.voidedAt) return { items: [] };
    const spent = new Dec(grant.amount).minus(grant.remaining);
    if (!spent.isZero() || grant.writtenOffAt) return { spent };
    const { balance } = await this.repository.getState(customerId);
    return {
      items: this.ledger.prepare(
        grantWriteOff(this.outbox, grant, balance, 'voided', at, reason ?? 'grant voided'),
      ).items,
    };
  }

  async get(customerId: string, grantId: string): Promise<CreditGrant> {
    await this.customers.get(customerId);
    const grant = await this.repository.getGrant(customerId, grantId);
    if (!grant) throw new CreditGrantNotFound(customerId, grantId);
    return grant;
  }

  /**
   * A customer's grants by grantId, optionally of one status (which depends on the time, so it
   * is decided here, over the customer's grants read at once: a customer has few).
   */
  async list(
    customerId: string,
    query: { status?: CreditGrantStatus; limit: number; cursor?: string },
  ): Promise<{ grants: CreditGrant[]; nextCursor: string | null }> {
    await this.customers.get(customerId);
    const pk = CreditKeys.partition(customerId);
    const after = decodeCursor(query.cursor, { pk })?.sk;
    if (after !== undefined && !after.startsWith(CreditKeys.grantPrefix)) throw new InvalidCursor();
    const now = this.clock.now();
    const { grants } = await this.repository.getState(customerId);
    const matching = grants
      .filter((g) => !query.status || grantStatus(g, now) === query.status)
      .filter((g) => after === undefined || CreditKeys.grant(customerId, g.grantId).sk > after);
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      grants: page,
      nextCursor:
        matching.length > query.limit && last
          ? encodeCursor({ ...CreditKeys.grant(customerId, last.grantId) })
          : null,
    };
  }

  /**
   * Voids what is left of a grant (a `voided` entry, possibly of 0); what it already paid stays
   * paid. Voiding a voided grant changes nothing.
   */
  async void(customerId: string, grantId: string, reason?: string): Promise<CreditGrant> {
    await this.customers.get(customerId);
    return this.ledger.run<CreditGrant>(customerId, async () => {
      const grant = await this.repository.getGrant(customerId, grantId);
      if (!grant) throw new CreditGrantNotFound(customerId, grantId);
      if (grant.voidedAt) return { result: () => grant };
      // Its credit note owns it: voiding the note voids the grant, with the note's own rules.
      if (grant.kind === 'credit_note') throw new CreditGrantOfCreditNote(customerId, grantId);
      const { balance } = await this.repository.getState(customerId);
      const change = grantWriteOff(
        this.outbox,
        grant,
        balance,
        'voided',
        this.clock.now().toISOString(),
        reason ?? 'grant voided',
      );
      return {
        change,
        result: (prepared) => prepared?.grants[0] ?? change.grants[0].after,
      };
    });
  }

  /** A new grant's ledger change: the grant, its `grant` entry, audit and event. */
  private grantChange(grant: CreditGrant, balance: CreditBalance | undefined): LedgerChange {
    const { customerId } = grant;
    const amount = new Dec(grant.amount);
    return {
      customerId,
      currency: grant.currency,
      at: grant.createdAt,
      balance,
      grants: [{ after: grant }],
      drafts: [
        {
          type: 'grant',
          amount,
          grantId: grant.grantId,
          reason: grant.description ?? `${grant.kind} credit granted`,
        },
      ],
      describe: (_entries, balanceAfter) => ({
        audit: [
          {
            operation: 'credits.grant',
            entityType: 'credit_grant',
            entityId: `${customerId}:${grant.grantId}`,
            after: { ...grantSummary(grant), balanceAfter },
          },
        ],
        events: [
          this.outbox.event('billing.credits.granted', grantEventData(grant, amount), {
            customerId,
            occurredAt: grant.createdAt,
          }),
        ],
      }),
    };
  }

  async ledgerPage(customerId: string, limit: number, cursor?: string) {
    await this.customers.get(customerId);
    return this.repository.listLedger(customerId, limit, cursor);
  }

  /** The grant a request describes, validated against the customer's currency. */
  private newGrant(customer: Customer, input: GrantCreditInput, now: Date): CreditGrant {
    const currency = customer.currency;
    const amount = moneyInput(input.amount, currency, 'amount');
    const effectiveAt = input.effectiveAt
      ? parseInstant(input.effectiveAt, 'effectiveAt')
      : new Date(now);
    const expiresAt = input.expiresAt ? parseInstant(input.expiresAt, 'expiresAt') : null;
    if (expiresAt && expiresAt <= effectiveAt) {
      throw new ValidationFailed([
        { field: 'expiresAt', messages: ['expiresAt must be after effectiveAt'] },
      ]);
    }
    return {
      grantId: input.grantId ?? this.ids.next('cg'),
      customerId: customer.id,
      kind: input.kind,
      currency,
      amount: formatMoney(amount, currency),
      remaining: formatMoney(amount, currency),
      priority: input.priority ?? DEFAULT_CREDIT_PRIORITY,
      effectiveAt: effectiveAt.toISOString(),
      expiresAt: expiresAt?.toISOString() ?? null,
      createdAt: now.toISOString(),
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      effectiveAtGiven: input.effectiveAt !== undefined,
      revision: 1,
    };
  }

  /**
   * A replay must describe the same grant: amount (as a decimal), kind, priority, expiry,
   * description and metadata, and `effectiveAt` when both requests gave one (a retry without it
   * is the same grant, as a usage retry without a timestamp is the same event).
   */
  private checkSameGrant(stored: CreditGrant, requested: CreditGrant): void {
    const differs: string[] = [];
    if (!new Dec(stored.amount).equals(requested.amount)) differs.push('amount');
    if (stored.kind !== requested.kind) differs.push('kind');
    if (stored.priority !== requested.priority) differs.push('priority');
    if (stored.effectiveAtGiven && requested.effectiveAtGiven) {
      if (stored.effectiveAt !== requested.effectiveAt) differs.push('effectiveAt');
    }
    if (stored.expiresAt !== requested.expiresAt) differs.push('expiresAt');
    if (stored.description !== requested.description) differs.push('description');
    if (jsonKey(stored.metadata) !== jsonKey(requested.metadata)) differs.push('metadata');
    if (differs.length > 0) {
      throw new CreditGrantConflict(stored.customerId, stored.grantId, differs);
    }
  }
}
