import { Injectable, Logger } from '@nestjs/common';
import type { AuditChange } from '../audit/audit.model';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { Dec, toMinorUnits } from '../common/money';
import { Clock } from '../common/time/clock';
import type { TransactItem } from '../database/transact-item';
import { type BillingEvent, OutboxWriter } from '../events';
import { PaymentGateway, type ProviderCreditNote, type PushCreditNoteInput } from '../stripe';
import { CreditNoteWriteConflict } from './credit-note.errors';
import { refundProcessedData } from './credit-note-events';
import {
  ADJUSTMENT_LINE_ID,
  type CreditNote,
  type CreditNoteProvider as ProviderSide,
  type RefundLink,
  type RefundReport,
  creditNoteSummary,
  nextRefundReport,
  withRefundReport,
} from './credit-note.model';
import { CreditNotesRepository } from './credit-notes.repository';

/** Read-modify-write attempts before giving up on a record others keep changing. */
const MAX_ATTEMPTS = 10;

/** A refusal retrying cannot fix (the provider said no); outages and store failures are not. */
const isPermanent = (error: unknown): error is DomainError =>
  error instanceof DomainError && error.kind !== 'unavailable';

/**
 * The credit notes' side at the payment provider (Stripe), and what the provider reports back.
 *
 * A note is stored first (provider status `pending`), then mirrored: `sync` creates it there with
 * an idempotency key from our id (`billing-cn-<id>`), so however often it runs — right after the
 * note is issued, and from the durable subscriber of `billing.credit_note.created` until it
 * works — the provider has it once. A void goes the same way (`void_pending`).
 *
 * Refunds: the provider's refund ids are linked to the note (`CREDIT_NOTE_REFUND#…` items,
 * written with the note's push record), and every report about a refund — in the push's answer,
 * or from webhooks in any order — moves its status forward only (`nextRefundReport`). A report
 * that arrives before its link is kept on the link item and folded into the note once linked.
 */
@Injectable()
export class CreditNoteProvider {
  private readonly logger = new Logger('CreditNoteProvider');

  constructor(
    private readonly repository: CreditNotesRepository,
    private readonly gateway: PaymentGateway,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
  ) {}

  get providerName(): string {
    return this.gateway.provider;
  }

  /**
   * Brings the provider side in line with the note: creates it there while `pending`, voids it
   * there while `void_pending`. An outage is thrown (callers retry); a refusal is recorded on the
   * note (`rejected`, `void_rejected`) and not retried. Returns the note after.
   */
  async sync(creditNoteId: string): Promise<CreditNote | undefined> {
    const note = await this.repository.get(creditNoteId);
    if (!note?.provider || !this.gateway.enabled) return note;
    if (note.provider.status === 'pending' && note.status === 'issued') return this.push(note);
    if (note.provider.status === 'void_pending') return this.voidThere(note);
    return note;
  }

  /**
   * `sync` right after a change has committed: whatever goes wrong (an outage, most likely)
   * leaves the note as it is, and the durable subscriber tries again.
   */
  async trySync(note: CreditNote): Promise<CreditNote> {
    try {
      return (await this.sync(note.id)) ?? note;
    } catch (error) {
      this.logger.warn(
        { err: error, creditNoteId: note.id },
        'Credit note not mirrored at the payment provider yet; retried in the background',
      );
      return (await this.repository.get(note.id).catch(() => undefined)) ?? note;
    }
  }

  /**
   * What the provider reports about one of its refunds (webhooks): kept on the refund's link,
   * forward only, and folded into its credit note when the link names one. Returns the note it
   * concerns (null while unknown) and what changed.
   */
  async applyRefundReport(
    refundId: string,
    report: RefundReport,
  ): Promise<{ note: CreditNote | null; changes: string[] }> {
    const provider = this.gateway.provider;
    const changes: string[] = [];
    let link: RefundLink | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new CreditNoteWriteConflict(refundId);
      const current = await this.repository.getRefundLink(provider, refundId);
      const next = nextRefundReport(current, report);
      if (!next) {
        link = current;
        break;
      }
      const written: RefundLink = {
        provider,
        refundId,
        creditNoteId: current?.creditNoteId ?? null,
        ...next,
        revision: (current?.revision ?? 0) + 1,
      };
      if (
        await this.repository.write([this.repository.refundLinkItem(written, current?.revision)])
      ) {
        link = written;
        changes.push(`refund ${refundId}: ${current?.status ?? 'new'} → ${next.status}`);
        break;
      }
    }
    if (!link?.creditNoteId) return { note: null, changes };
    const folded = await this.foldLink(link.creditNoteId, link);
    return { note: folded.note, changes: [...changes, ...folded.changes] };
  }

  /**
   * What the provider reports about one of our credit notes (webhooks): a note whose push answer
   * was lost learns its provider id and refunds from it; refund statuses in it are applied like
   * refund reports; a void there is recorded when ours is void too.
   */
  async applyProviderCreditNote(
    creditNoteId: string,
    reported: ProviderCreditNote,
    at: number,
  ): Promise<{ ignored: string } | { changes: string[]; note: CreditNote }> {
    const note = await this.repository.get(creditNoteId);
    if (!note) return { ignored: `credit note ${creditNoteId} does not exist` };
    const side = note.provider;
    if (!side) return { ignored: `credit note ${creditNoteId} is not mirrored at a provider` };
    if (side.providerCreditNoteId && side.providerCreditNoteId !== reported.providerCreditNoteId) {
      return {
        ignored: `${reported.providerCreditNoteId} is not the provider credit note of ${creditNoteId} (${side.providerCreditNoteId})`,
      };
    }
    const changes: string[] = [];
    let current = await this.recordPushed(note.id, reported);
    if (side.status === 'pending') {
      changes.push(`credit note ${note.id}: provider pending → ${current.provider?.status}`);
    }
    const linked = current.refund.refunds.filter(
      (r) => !note.refund.refunds.some((known) => known.refundId === r.refundId),
    );
    changes.push(...linked.map((r) => `refund ${r.refundId} linked to credit note ${note.id}`));
    for (const refund of reported.refunds) {
      if (refund.status === null) continue;
      const applied = await this.applyRefundReport(refund.refundId, {
        status: refund.status,
        at,
        failureReason: refund.failureReason,
      });
      changes.push(...applied.changes);
    }
    if (reported.status === 'void') {
      if (current.status !== 'void') {
        return {
          ignored: `credit note ${creditNoteId} was voided at the provider but is issued here: void it through the API`,
        };
      }
      if (current.provider?.status === 'void_pending') {
        current = await this.recordProviderStatus(current.id, 'voided', null);
        changes.push(`credit note ${current.id}: provider voided`);
      }
    }
    return { changes, note: (await this.repository.get(creditNoteId)) ?? current };
  }

  private async push(note: CreditNote): Promise<CreditNote> {
    let pushed: ProviderCreditNote;
    try {
      pushed = await this.gateway.pushCreditNote(this.pushInput(note, note.provider!));
    } catch (error) {
      if (!isPermanent(error)) throw error;
      return this.recordProviderStatus(note.id, 'rejected', error.message);
    }
    return this.recordPushed(note.id, pushed);
  }

  private async voidThere(note: CreditNote): Promise<CreditNote> {
    const side = note.provider!;
    if (!side.providerCreditNoteId) return this.recordProviderStatus(note.id, 'voided', null);
    try {
      await this.gateway.voidCreditNote(side.providerCreditNoteId, note.id);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      return this.recordProviderStatus(note.id, 'void_rejected', error.message);
    }
    return this.recordProviderStatus(note.id, 'voided', null);
  }

  private pushInput(note: CreditNote, side: ProviderSide): PushCreditNoteInput {
    const minor = (amount: string) => toMinorUnits(new Dec(amount), note.currency).toString();
    // A note mirrored in full keeps its lines there; a part (prepaid credits paid the rest of the
    // invoice, which the provider never saw) goes as one amount.
    const whole = new Dec(side.amount).equals(note.total);
    const byLine = whole && note.mode === 'lines';
    const refund = new Dec(note.refund.amount);
    return {
      creditNoteId: note.id,
      creditNoteNumber: note.number,
      invoiceId: note.invoiceId,
      customerId: note.customerId,
      providerInvoiceId: side.providerInvoiceId,
      currency: note.currency,
      ...(note.reason !== 'other' ? { reason: note.reason } : {}),
      ...(note.memo ? { memo: note.memo } : {}),
      amountMinor: minor(side.amount),
      ...(byLine
        ? {
            lines: note.lines
              .filter((l) => l.lineId !== ADJUSTMENT_LINE_ID)
              .map((l) => ({ lineId: l.lineId, amountMinor: minor(l.amount) })),
          }
        : {}),
      refundMinor: minor(note.refund.amount),
      creditMinor: '0',
      // Our credit grant holds the credit: to the provider it is credited outside it.
      outOfBandMinor:
        note.type === 'post_payment' ? minor(new Dec(side.amount).minus(refund).toString()) : '0',
    };
  }

  /**
   * Records the provider's credit note on ours (`pushed`, when it was still `pending`), links its
   * refunds to it and folds in every report known about them (from this answer, and any that
   * came before the link), in one transaction with the links. Refunds linked already and a note
   * recorded already change nothing.
   */
  private async recordPushed(
    creditNoteId: string,
    pushed: ProviderCreditNote,
  ): Promise<CreditNote> {
    const provider = this.gateway.provider;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const note = await this.repository.get(creditNoteId);
      if (!note?.provider) throw new Error(`Credit note ${creditNoteId} has no provider side`);
      const pending = note.provider.status === 'pending';
      const at = this.clock.now().toISOString();
      let next: CreditNote = pending
        ? {
            ...note,
            provider: {
              ...note.provider,
              status: 'pushed',
              providerCreditNoteId: pushed.providerCreditNoteId,
              number: pushed.providerNumber,
              error: null,
            },
          }
        : note;
      const linkItems: TransactItem[] = [];
      for (const refund of pushed.refunds) {
        const stored = await this.repository.getRefundLink(provider, refund.refundId);
        if (stored?.creditNoteId && stored.creditNoteId !== creditNoteId) {
          throw new Error(
            `Refund ${refund.refundId} is linked to credit note ${stored.creditNoteId}`,
          );
        }
        const answer: RefundReport = {
          status: refund.status,
          at: refund.reportedAt,
          failureReason: refund.failureReason,
        };
        const newer = stored ? nextRefundReport(stored, answer) : answer;
        const report: RefundReport = newer ?? stored ?? answer;
        if (stored?.creditNoteId !== creditNoteId || newer) {
          const link: RefundLink = {
            provider,
            refundId: refund.refundId,
            creditNoteId,
            status: report.status,
            at: report.at,
            failureReason: report.failureReason,
            revision: (stored?.revision ?? 0) + 1,
          };
          linkItems.push(this.repository.refundLinkItem(link, stored?.revision));
        }
        next = withRefundReport(next, refund.refundId, report, at) ?? next;
      }
      if (!pending && linkItems.length === 0 && next === note) return note;
      const written = { ...next, updatedAt: at, revision: note.revision + 1 };
      const items = [
        this.repository.noteItem(written, note.revision),
        ...linkItems,
        ...this.records(note, next, pending ? 'credit_note.push' : 'credit_note.refund', at),
      ];
      if (await this.repository.write(items)) return written;
    }
    throw new CreditNoteWriteConflict(creditNoteId);
  }

  /** A provider status the sync reached (`rejected` fails a refund that never left). */
  private async recordProviderStatus(
    creditNoteId: string,
    status: 'rejected' | 'voided' | 'void_rejected',
    error: string | null,
  ): Promise<CreditNote> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const note = await this.repository.get(creditNoteId);
      if (!note?.provider) throw new Error(`Credit note ${creditNoteId} has no provider side`);
      const expected = status === 'rejected' ? 'pending' : 'void_pending';
      if (note.provider.status !== expected) return note;
      const at = this.clock.now().toISOString();
      const next: CreditNote = { ...note, provider: { ...note.provider, status, error } };
      if (status === 'rejected' && note.refund.status === 'pending') {
        next.refund = {
          ...note.refund,
          status: 'failed',
          failureReason: `not refunded: the provider refused the credit note (${error})`,
          processedAt: at,
        };
      }
      const written = { ...next, updatedAt: at, revision: note.revision + 1 };
      const items = [
        this.repository.noteItem(written, note.revision),
        ...this.records(note, next, `credit_note.provider_${status}`, at),
      ];
      if (await this.repository.write(items)) return written;
    }
    throw new CreditNoteWriteConflict(creditNoteId);
  }

  /** Folds a linked refund's report into its note: the note after, and what changed in words. */
  private async foldLink(
    creditNoteId: string,
    link: RefundLink,
  ): Promise<{ note: CreditNote | null; changes: string[] }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const note = await this.repository.get(creditNoteId);
      if (!note) return { note: null, changes: [] };
      const at = this.clock.now().toISOString();
      const next = withRefundReport(note, link.refundId, link, at);
      if (!next) return { note, changes: [] };
      const written = { ...next, updatedAt: at, revision: note.revision + 1 };
      const items = [
        this.repository.noteItem(written, note.revision),
        ...this.records(note, next, 'credit_note.refund', at),
      ];
      if (await this.repository.write(items)) {
        const changes =
          note.refund.status === next.refund.status
            ? []
            : [`credit note ${creditNoteId}: refund ${note.refund.status} → ${next.refund.status}`];
        return { note: written, changes };
      }
    }
    throw new CreditNoteWriteConflict(creditNoteId);
  }

  /** The audit record of a change, and `billing.refund.processed` when the refund came to an end. */
  private records(before: CreditNote, after: CreditNote, operation: string, at: string) {
    const change: AuditChange = {
      operation,
      entityType: 'credit_note',
      entityId: after.id,
      before: creditNoteSummary(before),
      after: creditNoteSummary(after),
    };
    const events: BillingEvent[] = [];
    const ended = after.refund.status === 'succeeded' || after.refund.status === 'failed';
    if (ended && after.refund.status !== before.refund.status) {
      events.push(
        this.outbox.event('billing.refund.processed', refundProcessedData(after), {
          customerId: after.customerId,
          occurredAt: at,
        }),
      );
    }
    const outboxItem = this.outbox.entryFor(events);
    return [...this.audit.entries(change), ...(outboxItem ? [outboxItem] : [])];
  }
}
