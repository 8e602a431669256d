import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Invoice } from '../billing/invoice.model';
import { InvoicesService } from '../billing/invoices.service';
import { IdGenerator } from '../common/ids';
import { Dec, formatMoney } from '../common/money';
import { Clock } from '../common/time/clock';
import { periodOf } from '../common/time/period';
import { CreditsService } from '../credits/credits.service';
import { CustomersService } from '../customers/customers.service';
import type { TransactItem } from '../database/transact-item';
import { type BillingEvent, OutboxWriter } from '../events';
import { PaymentGateway } from '../stripe';
import {
  CreditNoteNotFound,
  CreditNoteNotVoidable,
  CreditNoteWriteConflict,
} from './credit-note.errors';
import { creditNoteEventData, refundProcessedData } from './credit-note-events';
import { type CreditNote, type InvoiceCreditNotes, creditNoteSummary } from './credit-note.model';
import {
  type IssueCreditNoteInput,
  type NoteRequest,
  invoiceCreditOf,
  parseRequest,
  planNote,
  sameNote,
} from './credit-note-plan';
import { CreditNoteProvider } from './credit-note-provider';
import { CreditNotesRepository } from './credit-notes.repository';

export type { IssueCreditNoteInput } from './credit-note-plan';

/** Attempts of one issue or void against concurrent changes of the invoice or the ledger. */
const MAX_ATTEMPTS = 5;

/**
 * Credit notes: money taken off a finalized invoice, with a trail. Billing owns the invoice and
 * its caps (`InvoicesService.credit`); this module decides the note — how the money goes back —
 * and writes it in billing's transaction with everything it implies: the note, the invoice's
 * list of notes, the `credit_note` credit grant (credits module, same transaction), the audit
 * records and the events. The payment-provider mirror follows (`CreditNoteProvider`).
 */
@Injectable()
export class CreditNotesService {
  constructor(
    private readonly repository: CreditNotesRepository,
    private readonly invoices: InvoicesService,
    private readonly credits: CreditsService,
    private readonly customers: CustomersService,
    private readonly provider: CreditNoteProvider,
    private readonly gateway: PaymentGateway,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * A new credit note on the invoice (`created: true`), or the one stored under the same
   * `creditNoteId` when the request is the same note (a retry); a different note under that id
   * → CREDIT_NOTE_CONFLICT. The note is stored first, then mirrored at the provider.
   */
  async issue(
    invoiceId: string,
    input: IssueCreditNoteInput,
  ): Promise<{ note: CreditNote; created: boolean }> {
    const invoice = await this.invoices.get(invoiceId);
    const request = parseRequest(invoice, input, input.creditNoteId ?? this.ids.next('cn'));
    const existing = await this.repository.get(request.id);
    if (existing) return { note: sameNote(existing, invoiceId, request), created: false };
    // Refused requests are refused before a number is taken, so numbers rarely have gaps.
    await this.plan(invoiceId, request, '');
    const number = await this.repository.nextNumber(periodOf(this.clock.now()).id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { summary, notes } = await this.invoiceNotes(invoiceId);
      let issued: CreditNote | undefined;
      const credited = await this.invoices.credit(
        invoiceId,
        invoiceCreditOf(request),
        async (change) => {
          issued = planNote({ request, number, change, notes, ...this.context() });
          return this.issueItems(issued, summary);
        },
      );
      if (credited && issued) return { note: await this.provider.trySync(issued), created: true };
      const raced = await this.repository.get(request.id);
      if (raced) return { note: sameNote(raced, invoiceId, request), created: false };
    }
    throw new CreditNoteWriteConflict(invoiceId);
  }

  /** What `issue` would do with the same request: the note and the invoice after it; no writes. */
  async preview(
    invoiceId: string,
    input: IssueCreditNoteInput,
  ): Promise<{ note: CreditNote; invoice: Invoice }> {
    const invoice = await this.invoices.get(invoiceId);
    return this.plan(invoiceId, parseRequest(invoice, input, input.creditNoteId ?? ''), '');
  }

  /** The note a request would make now, and the invoice after it (every check, no writes). */
  private async plan(invoiceId: string, request: NoteRequest, number: string) {
    const { notes } = await this.invoiceNotes(invoiceId);
    const change = await this.invoices.previewCredit(invoiceId, invoiceCreditOf(request));
    const note = planNote({ request, number, change, notes, ...this.context() });
    return { note, invoice: change.after };
  }

  private context() {
    return {
      provider: { enabled: this.gateway.enabled, name: this.gateway.provider },
      at: this.clock.now().toISOString(),
    };
  }

  async get(creditNoteId: string): Promise<CreditNote> {
    const note = await this.repository.get(creditNoteId);
    if (!note) throw new CreditNoteNotFound(creditNoteId);
    return note;
  }

  /** The invoice's notes in issue order (an unknown invoice → INVOICE_NOT_FOUND). */
  async listForInvoice(invoiceId: string): Promise<CreditNote[]> {
    await this.invoices.get(invoiceId);
    return (await this.invoiceNotes(invoiceId)).notes;
  }

  async listForCustomer(customerId: string, limit: number, cursor?: string) {
    await this.customers.get(customerId);
    return this.repository.listForCustomer(customerId, limit, cursor);
  }

  /**
   * Voids a note while none of its money moved: its refund neither succeeded nor pending, its
   * credit unspent (the grant is voided in the same transaction, conditioned on it). Its amounts
   * go back on the invoice (`InvoicesService.uncredit`: what it took off `amountDue` is due again
   * while the invoice is owed; once paid, no longer voidable). Voiding a void note changes
   * nothing. A note not yet at the provider is pushed first (so the provider never keeps a note
   * we voided); while the provider is down that is a 503, safe to retry.
   */
  async void(creditNoteId: string, reason?: string): Promise<CreditNote> {
    let note = await this.get(creditNoteId);
    if (note.status === 'void') return note;
    if (note.provider?.status === 'pending') await this.provider.sync(creditNoteId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      note = await this.get(creditNoteId);
      if (note.status === 'void') return note;
      this.checkVoidable(note);
      const summary = await this.repository.getInvoiceNotes(note.invoiceId);
      const current = note;
      let voided: CreditNote | undefined;
      const done = await this.invoices.uncredit(
        note.invoiceId,
        { ...invoiceCreditOf(current), reducesAmountDue: current.type === 'pre_payment' },
        async () => {
          const planned = await this.voidItems(current, summary, reason);
          voided = planned.note;
          return planned.items;
        },
      );
      if (done && voided) return this.provider.trySync(voided);
    }
    throw new CreditNoteWriteConflict(note.invoiceId);
  }

  private checkVoidable(note: CreditNote): void {
    const refund = `${note.refund.amount} ${note.currency}`;
    if (note.refund.status === 'succeeded') {
      throw new CreditNoteNotVoidable(note.id, 'refunded', `its refund of ${refund} succeeded`);
    }
    if (note.refund.status === 'pending') {
      throw new CreditNoteNotVoidable(
        note.id,
        'refund_pending',
        `its refund of ${refund} is pending at the payment provider`,
      );
    }
  }

  private async voidItems(
    note: CreditNote,
    summary: InvoiceCreditNotes | undefined,
    reason: string | undefined,
  ): Promise<{ note: CreditNote; items: TransactItem[] }> {
    const at = this.clock.now().toISOString();
    const grantItems: TransactItem[] = [];
    if (note.credit.grantId) {
      const result = await this.credits.prepareVoidUnspent(
        note.customerId,
        note.credit.grantId,
        `credit note ${note.number} voided`,
        at,
      );
      if ('spent' in result && result.spent) {
        throw new CreditNoteNotVoidable(
          note.id,
          'credit_spent',
          `${formatMoney(result.spent, note.currency)} ${note.currency} of its credit (grant ${note.credit.grantId}) was spent`,
        );
      }
      grantItems.push(...('items' in result ? result.items : []));
    }
    const side = note.provider;
    const voided: CreditNote = {
      ...note,
      status: 'void',
      voidedAt: at,
      voidReason: reason ?? null,
      provider: side && side.status === 'pushed' ? { ...side, status: 'void_pending' } : side,
      updatedAt: at,
      revision: note.revision + 1,
    };
    if (!summary) throw new Error(`Invoice ${note.invoiceId} has no list of credit notes`);
    const outboxItem = this.outbox.entryFor([
      this.outbox.event('billing.credit_note.voided', creditNoteEventData(voided), {
        customerId: note.customerId,
        occurredAt: at,
      }),
    ]);
    return {
      note: voided,
      items: [
        this.repository.noteItem(voided, note.revision),
        this.repository.invoiceNotesItem(
          { ...summary, revision: summary.revision + 1 },
          summary.revision,
        ),
        ...this.audit.entries({
          operation: 'credit_note.void',
          entityType: 'credit_note',
          entityId: note.id,
          before: creditNoteSummary(note),
          after: { ...creditNoteSummary(voided), voidReason: reason ?? null },
        }),
        ...(outboxItem ? [outboxItem] : []),
        ...grantItems,
      ],
    };
  }

  /** The invoice's list of notes and the notes themselves (consistent reads). */
  private async invoiceNotes(invoiceId: string) {
    const summary = await this.repository.getInvoiceNotes(invoiceId);
    const notes = await this.repository.getMany(summary?.creditNoteIds ?? []);
    return { summary, notes };
  }

  /** Every item of a new note's transaction besides billing's own. */
  private async issueItems(
    note: CreditNote,
    summary: InvoiceCreditNotes | undefined,
  ): Promise<TransactItem[]> {
    const grantItems: TransactItem[] = [];
    if (note.credit.grantId) {
      const prepared = await this.credits.prepareCreditNoteGrant(note.customerId, {
        grantId: note.credit.grantId,
        amount: new Dec(note.credit.amount),
        currency: note.currency,
        // Pays the invoices of the period it is issued in and after (a grant pays only usage
        // from its start on: from now, it would pay a share of the current period only).
        effectiveAt: periodOf(new Date(note.createdAt)).start.toISOString(),
        at: note.createdAt,
        description: `Credit note ${note.number} on invoice ${note.invoiceNumber}`,
        metadata: { creditNoteId: note.id, invoiceId: note.invoiceId },
      });
      grantItems.push(...prepared.items);
    }
    const options = { customerId: note.customerId, occurredAt: note.createdAt };
    const events: BillingEvent[] = [
      this.outbox.event('billing.credit_note.created', creditNoteEventData(note), options),
    ];
    if (note.refund.status === 'succeeded') {
      events.push(
        this.outbox.event('billing.refund.processed', refundProcessedData(note), options),
      );
    }
    const outboxItem = this.outbox.entryFor(events);
    const list: InvoiceCreditNotes = {
      invoiceId: note.invoiceId,
      customerId: note.customerId,
      creditNoteIds: [...(summary?.creditNoteIds ?? []), note.id],
      revision: (summary?.revision ?? 0) + 1,
    };
    return [
      this.repository.noteItem(note),
      this.repository.invoiceNotesItem(list, summary?.revision),
      ...this.audit.entries({
        operation: 'credit_note.create',
        entityType: 'credit_note',
        entityId: note.id,
        after: creditNoteSummary(note),
      }),
      ...(outboxItem ? [outboxItem] : []),
      ...grantItems,
    ];
  }
}
