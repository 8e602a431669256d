import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { batchGetAll } from '../database/batch-get';
import { DynamoDatabase } from '../database/dynamo-database';
import { transactIfConditionsHold, transactIfFirstHolds } from '../database/transact';
import type { TransactItem } from '../database/transact-item';

export type { TransactItem };
import { Keys } from '../database/keys';
import { queryAll } from '../database/query-all';
import { queryGsiPage } from '../database/query-page';
import type { Invoice } from './invoice.model';
import { ZERO, formatMoney } from '../common/money';

function toItem(invoice: Invoice): Record<string, unknown> {
  return {
    ...Keys.invoice(invoice.id),
    ...Keys.customerInvoices(invoice.customerId, invoice.period, invoice.id),
    type: 'Invoice',
    ...invoice,
  };
}

/** DynamoDB's limit on the actions of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

/** One invoice of `writeMany`: new (no revision), or replacing the stored `expectedRevision`. */
export interface InvoiceWrite {
  invoice: Invoice;
  expectedRevision?: number;
}

function fromItem(item: Record<string, unknown>): Invoice {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...invoice } = item;
  // Invoices stored before credits existed: nothing was credited, all of the total was due.
  if (invoice.amountDue === undefined) {
    invoice.credits = formatMoney(ZERO, invoice.currency as string);
    invoice.amountDue = invoice.total;
  }
  // Invoices stored before credit notes existed: none credited them.
  if (invoice.creditedTotal === undefined) {
    invoice.creditedTotal = formatMoney(ZERO, invoice.currency as string);
  }
  return invoice as unknown as Invoice;
}

@Injectable()
export class InvoicesRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** Inserts the invoice (and `extra` items) unless one exists for its id; false when it does. */
  async create(invoice: Invoice, extra: TransactItem[] = []): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [this.put({ invoice }), ...extra]);
  }

  /**
   * Inserts a threshold invoice with its entry in the period's list of threshold invoices and
   * `extra` items, only if all of them hold (the invoice is new; `extra` is conditioned on what
   * its caller read): false when any did not, and nothing was written.
   */
  async createThresholdInvoice(invoice: Invoice, extra: TransactItem[]): Promise<boolean> {
    return transactIfConditionsHold(this.db.doc, [
      this.put({ invoice }),
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...Keys.periodThresholdInvoice(invoice.period, invoice.id),
            type: 'ThresholdInvoiceEntry',
            customerId: invoice.customerId,
          },
        },
      },
      ...extra,
    ]);
  }

  /** The ids of a period's threshold invoices, all customers (reports). */
  async thresholdInvoiceIds(period: string): Promise<string[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.periodThresholdInvoicesPartition(period) },
      ProjectionExpression: 'sk',
    });
    return items.map((item) => item.sk as string);
  }

  /**
   * Writes several invoices and `extra` items (outbox, audit) in one transaction, each invoice
   * only if it is new or still at its expected revision (billing runs). False when any of those
   * conditions failed or a concurrent transaction on the same items got in the way: nothing was
   * written, and the caller decides per invoice. Any other failure is thrown.
   */
  async writeMany(writes: InvoiceWrite[], extra: TransactItem[] = []): Promise<boolean> {
    const items = [...writes.map((w) => this.put(w)), ...extra];
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new Error(
        `${items.length} items in one transaction (at most ${MAX_TRANSACTION_ITEMS})`,
      );
    }
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const codes = new Set(
        error instanceof TransactionCanceledException
          ? (error.CancellationReasons ?? []).slice(0, writes.length).map((r) => r.Code)
          : [],
      );
      if (codes.has('ConditionalCheckFailed') || codes.has('TransactionConflict')) return false;
      throw error;
    }
  }

  async get(invoiceId: string): Promise<Invoice | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.invoice(invoiceId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Invoices by id, any order; missing ids are skipped. Up to 100 ids per call to DynamoDB. */
  async getMany(invoiceIds: string[], options: { consistent?: boolean } = {}): Promise<Invoice[]> {
    const items = await batchGetAll(
      this.db.doc,
      this.db.table,
      invoiceIds.map((id) => Keys.invoice(id)),
      options,
    );
    return items.map(fromItem);
  }

  /**
   * Replaces the invoice if nobody changed it since `expectedRevision`, together with `extra`
   * items (outbox, audit, adjusters' records) in one transaction; false when somebody did, or
   * when what an `extra` item is conditioned on moved.
   */
  async replace(
    invoice: Invoice,
    expectedRevision: number,
    extra: TransactItem[] = [],
  ): Promise<boolean> {
    return transactIfConditionsHold(this.db.doc, [
      this.put({ invoice, expectedRevision }),
      ...extra,
    ]);
  }

  /** A customer's invoices, newest period first, a page at a time. */
  async listForCustomer(customerId: string, limit: number, cursor?: string) {
    const page = await queryGsiPage(this.db.doc, {
      table: this.db.table,
      partition: Keys.customerInvoicesPartition(customerId),
      limit,
      cursor,
    });
    return { invoices: page.items.map(fromItem), nextCursor: page.nextCursor };
  }

  /** Next number in the period's sequence; numbers are never reused, drafts may leave gaps. */
  async nextNumber(period: string): Promise<string> {
    const [number] = await this.nextNumbers(period, 1);
    return number;
  }

  /**
   * `count` consecutive numbers of the period's sequence, reserved by one atomic counter update
   * (billing runs). Unique like `nextNumber`; a block whose invoices are never written leaves gaps.
   */
  async nextNumbers(period: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    const { Attributes } = await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.invoiceNumberCounter(period),
        UpdateExpression: 'ADD #seq :count',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':count': count },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const last = Attributes?.seq as number;
    const prefix = `INV-${period.replace('-', '')}-`;
    return Array.from(
      { length: count },
      (_, i) => `${prefix}${String(last - count + 1 + i).padStart(6, '0')}`,
    );
  }

  /** The conditional Put of one invoice: new, or replacing the revision the caller read. */
  private put({ invoice, expectedRevision }: InvoiceWrite): TransactItem {
    return {
      Put: {
        TableName: this.db.table,
        Item: toItem(invoice),
        ...(expectedRevision === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'attribute_exists(pk) AND revision = :expected',
              ExpressionAttributeValues: { ':expected': expectedRevision },
            }),
      },
    };
  }
}
