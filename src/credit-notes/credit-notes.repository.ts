import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { batchGetAll } from '../database/batch-get';
import { DynamoDatabase } from '../database/dynamo-database';
import type { Gsi1Key, TableKey } from '../database/keys';
import { queryGsiPage } from '../database/query-page';
import { transactIfConditionsHold } from '../database/transact';
import type { TransactItem } from '../database/transact-item';
import type { CreditNote, InvoiceCreditNotes, RefundLink } from './credit-note.model';

/**
 * This module's keys (no other module reads them): a note by id, a customer's notes by time,
 * each invoice's notes and running sums, the number counter, and provider refunds by id.
 */
export const CreditNoteKeys = {
  note: (creditNoteId: string): TableKey => ({ pk: `CREDIT_NOTE#${creditNoteId}`, sk: 'NOTE' }),
  /** A customer's notes, newest first. */
  customerNotes: (customerId: string, createdAt: string, creditNoteId: string): Gsi1Key => ({
    gsi1pk: CreditNoteKeys.customerPartition(customerId),
    gsi1sk: `${createdAt}#${creditNoteId}`,
  }),
  customerPartition: (customerId: string) => `CUSTOMER_CREDIT_NOTES#${customerId}`,
  invoiceNotes: (invoiceId: string): TableKey => ({
    pk: `INVOICE_CREDIT_NOTES#${invoiceId}`,
    sk: 'SUMMARY',
  }),
  /** One sequence per month of issue (`YYYY-MM`). */
  numberCounter: (month: string): TableKey => ({ pk: 'COUNTER#CREDIT_NOTE_NUMBER', sk: month }),
  refundLink: (provider: string, refundId: string): TableKey => ({
    pk: `CREDIT_NOTE_REFUND#${provider}#${refundId}`,
    sk: 'REFUND',
  }),
};

const TYPES = { note: 'CreditNote', invoice: 'InvoiceCreditNotes', refund: 'CreditNoteRefund' };

function strip<T>(item: Record<string, unknown>): T {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...rest } = item;
  return rest as T;
}

/** `type` names the kind of item in this table, so a note's own type is stored as `noteType`. */
function noteFrom(item: Record<string, unknown>): CreditNote {
  const { noteType, ...rest } = strip<Record<string, unknown>>(item);
  return { ...rest, type: noteType } as unknown as CreditNote;
}

/** A conditional Put: new (no revision expected), or replacing the revision read. */
function conditionalPut(
  table: string,
  item: Record<string, unknown>,
  expectedRevision: number | undefined,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: item,
      ...(expectedRevision === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'revision = :revision',
            ExpressionAttributeValues: { ':revision': expectedRevision },
          }),
    },
  };
}

@Injectable()
export class CreditNotesRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(creditNoteId: string): Promise<CreditNote | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: CreditNoteKeys.note(creditNoteId),
        ConsistentRead: true,
      }),
    );
    return Item ? noteFrom(Item) : undefined;
  }

  /** Notes by id, in the order asked; missing ids are skipped. */
  async getMany(creditNoteIds: readonly string[]): Promise<CreditNote[]> {
    const items = await batchGetAll(
      this.db.doc,
      this.db.table,
      creditNoteIds.map((id) => CreditNoteKeys.note(id)),
      { consistent: true },
    );
    const found = new Map(items.map(noteFrom).map((note) => [note.id, note]));
    return creditNoteIds.flatMap((id) => {
      const note = found.get(id);
      return note ? [note] : [];
    });
  }

  /** A customer's notes, newest first, a page at a time. */
  async listForCustomer(customerId: string, limit: number, cursor?: string) {
    const page = await queryGsiPage(this.db.doc, {
      table: this.db.table,
      partition: CreditNoteKeys.customerPartition(customerId),
      limit,
      cursor,
    });
    return { notes: page.items.map(noteFrom), nextCursor: page.nextCursor };
  }

  async getInvoiceNotes(invoiceId: string): Promise<InvoiceCreditNotes | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: CreditNoteKeys.invoiceNotes(invoiceId),
        ConsistentRead: true,
      }),
    );
    return Item ? strip<InvoiceCreditNotes>(Item) : undefined;
  }

  /** The next number of the month's sequence (atomic); a note never written leaves a gap. */
  async nextNumber(month: string): Promise<string> {
    const { Attributes } = await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: CreditNoteKeys.numberCounter(month),
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Attributes?.seq as number;
    return `CN-${month.replace('-', '')}-${String(seq).padStart(6, '0')}`;
  }

  async getRefundLink(provider: string, refundId: string): Promise<RefundLink | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: CreditNoteKeys.refundLink(provider, refundId),
        ConsistentRead: true,
      }),
    );
    return Item ? strip<RefundLink>(Item) : undefined;
  }

  /** The note, new (`expectedRevision` undefined) or replacing the revision read. */
  noteItem(note: CreditNote, expectedRevision?: number): TransactItem {
    const { type: noteType, ...rest } = note;
    return conditionalPut(
      this.db.table,
      {
        ...CreditNoteKeys.note(note.id),
        ...CreditNoteKeys.customerNotes(note.customerId, note.createdAt, note.id),
        type: TYPES.note,
        noteType,
        ...rest,
      },
      expectedRevision,
    );
  }

  invoiceNotesItem(summary: InvoiceCreditNotes, expectedRevision?: number): TransactItem {
    return conditionalPut(
      this.db.table,
      { ...CreditNoteKeys.invoiceNotes(summary.invoiceId), type: TYPES.invoice, ...summary },
      expectedRevision,
    );
  }

  refundLinkItem(link: RefundLink, expectedRevision?: number): TransactItem {
    return conditionalPut(
      this.db.table,
      { ...CreditNoteKeys.refundLink(link.provider, link.refundId), type: TYPES.refund, ...link },
      expectedRevision,
    );
  }

  /**
   * Writes the items in one transaction; false when a condition failed or a concurrent
   * transaction got in the way (the caller reads again). Any other failure is thrown.
   */
  write(items: TransactItem[]): Promise<boolean> {
    return transactIfConditionsHold(this.db.doc, items);
  }
}
