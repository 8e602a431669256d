import type { Actor } from '../common/request-context';
import { Dec, type Decimal, formatMoney } from '../common/money';
import { periodOf } from '../common/time/period';

/** `credit_note`: the credit part of a credit note on a paid invoice (made by credit notes only). */
export const CREDIT_GRANT_KINDS = ['purchased', 'promotional', 'credit_note'] as const;
export type CreditGrantKind = (typeof CREDIT_GRANT_KINDS)[number];

/** The kinds `POST …/credit-grants` takes; `credit_note` grants come from credit notes. */
export const REQUESTABLE_GRANT_KINDS = ['purchased', 'promotional'] as const;
export type RequestableGrantKind = (typeof REQUESTABLE_GRANT_KINDS)[number];

export const CREDIT_GRANT_STATUSES = ['active', 'expired', 'voided', 'depleted'] as const;
export type CreditGrantStatus = (typeof CREDIT_GRANT_STATUSES)[number];

export const DEFAULT_CREDIT_PRIORITY = 50;

/**
 * Prepaid credit given to a customer, in the customer's currency. `remaining` is what it can
 * still pay; it only goes down by drawdown (applied to invoices), voiding and writing off, and
 * back up by a reversal (an invoice it paid was voided). Money fields are decimal strings with
 * exactly the currency's decimals.
 */
export interface CreditGrant {
  grantId: string;
  customerId: string;
  kind: CreditGrantKind;
  currency: string;
  amount: string;
  remaining: string;
  /** 1..100, lower pays first. */
  priority: number;
  /** ISO instant from which the grant pays for usage. */
  effectiveAt: string;
  /** ISO instant from which it no longer does; null: never expires. */
  expiresAt: string | null;
  createdAt: string;
  description: string | null;
  metadata: Record<string, string>;
  /** Whether the client sent `effectiveAt` (a replay compares it only when both sent it). */
  effectiveAtGiven: boolean;
  voidedAt?: string;
  /** When its remainder was written off after expiry (the `expired` ledger entry). */
  writtenOffAt?: string;
  /** Optimistic-concurrency counter, bumped by every write. */
  revision: number;
}

/** The customer's credit balance: the ledger's head. `available` is Σ remaining of its grants. */
export interface CreditBalance {
  customerId: string;
  currency: string;
  available: string;
  /** The sequence number of the newest ledger entry (every ledger change is conditioned on it). */
  seq: number;
  updatedAt: string;
}

export const LEDGER_ENTRY_TYPES = ['grant', 'applied', 'expired', 'voided', 'reversed'] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

/** One grant's part of a ledger entry; signed like the entry's amount. */
export interface GrantAmount {
  grantId: string;
  amount: string;
}

/** One change of the balance. Append-only; `seq` is 1, 2, 3… per customer. */
export interface LedgerEntry {
  customerId: string;
  seq: number;
  type: LedgerEntryType;
  currency: string;
  /** Signed: + for `grant` and `reversed`, − for `applied`, `expired`, `voided`. */
  amount: string;
  balanceAfter: string;
  at: string;
  /** The grant of a one-grant entry (`grant`, `expired`, `voided`). */
  grantId: string | null;
  /** The invoice of `applied` and `reversed`. */
  invoiceId: string | null;
  grants: GrantAmount[];
  /** Who: the API key, or `system` (billing runs, the expiry sweep, the reversal subscriber). */
  actor: Actor;
  requestId: string | null;
  /** Why, in words. */
  reason: string;
}

/**
 * What credits paid for one finalized invoice (`APPLIED#<invoiceId>`): written in the invoice's
 * finalizing transaction, read by the reversal when the invoice is voided, and marked reversed
 * in the reversal's own transaction so it is given back once.
 */
export interface AppliedCredits {
  customerId: string;
  invoiceId: string;
  period: string;
  currency: string;
  /** Positive total. */
  amount: string;
  /** Positive, per grant, in drawdown order. */
  grants: GrantAmount[];
  appliedAt: string;
  seq: number;
  reversedAt?: string;
}

/** A grant's status at `now`: voided, else expired (by time), else depleted, else active. */
export function grantStatus(grant: CreditGrant, now: Date): CreditGrantStatus {
  if (grant.voidedAt) return 'voided';
  if (grant.writtenOffAt) return 'expired';
  if (grant.expiresAt !== null && Date.parse(grant.expiresAt) <= now.getTime()) return 'expired';
  if (new Dec(grant.remaining).isZero()) return 'depleted';
  return 'active';
}

/** Neither voided nor written off, with something left: its remaining counts as available. */
export function holdsCredit(grant: CreditGrant): boolean {
  return !grant.voidedAt && !grant.writtenOffAt && new Dec(grant.remaining).greaterThan(0);
}

/**
 * The end of the last billing period the grant was in force in: the end of the UTC month of its
 * last instant (`expiresAt` − 1 ms). Undefined for a grant that never expires. The remainder is
 * written off once this plus the grace has passed (CreditExpiry).
 */
export function usableUntil(grant: Pick<CreditGrant, 'expiresAt'>): Date | undefined {
  if (grant.expiresAt === null) return undefined;
  return periodOf(new Date(Date.parse(grant.expiresAt) - 1)).end;
}

/** When the expiry sweep writes the grant's remainder off. */
export function writeOffAt(grant: Pick<CreditGrant, 'expiresAt'>, graceHours: number) {
  const until = usableUntil(grant);
  return until && new Date(until.getTime() + graceHours * 3_600_000);
}

/** Whether the expiry sweep must still find the grant (the sparse expiry index). */
export function awaitsWriteOff(grant: CreditGrant): boolean {
  return grant.expiresAt !== null && holdsCredit(grant);
}

/** The event payload describing a grant (`amount` is what the event is about). */
export function grantEventData(grant: CreditGrant, amount: Decimal) {
  return {
    grantId: grant.grantId,
    kind: grant.kind,
    currency: grant.currency,
    amount: formatMoney(amount, grant.currency),
    priority: grant.priority,
    effectiveAt: grant.effectiveAt,
    expiresAt: grant.expiresAt,
  };
}

/** What the audit trail keeps of a grant. */
export function grantSummary(grant: CreditGrant) {
  return {
    grantId: grant.grantId,
    customerId: grant.customerId,
    kind: grant.kind,
    currency: grant.currency,
    amount: grant.amount,
    remaining: grant.remaining,
    priority: grant.priority,
    effectiveAt: grant.effectiveAt,
    expiresAt: grant.expiresAt,
    voidedAt: grant.voidedAt ?? null,
    writtenOffAt: grant.writtenOffAt ?? null,
  };
}
