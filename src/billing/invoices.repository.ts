import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { DynamoDatabase } from '../database/dynamo-database';
import { transactIfFirstHolds } from '../database/transact';
import type { TransactItem } from '../database/transact-item';

export type { TransactItem };
import { GSI1, Keys } from '../database/keys';
import type { Invoice } from './invoice.model';

function toItem(invoice: Invoice): Record<string, unknown> {
  return {
    ...Keys.invoice(invoice.id),
    ...Keys.customerInvoices(invoice.customerId, invoice.period, invoice.id),
    type: 'Invoice',
    ...invoice,
  };
}

function fromItem(item: Record<string, unknown>): Invoice {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...invoice } = item;
  return invoice as unknown as Invoice;
}

@Injectable()
export class InvoicesRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** Inserts the invoice (and `extra` items) unless one exists for its id; false when it does. */
  async create(invoice: Invoice, extra: TransactItem[] = []): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: toItem(invoice),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...extra,
    ]);
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
  async getMany(invoiceIds: string[]): Promise<Invoice[]> {
    const found: Invoice[] = [];
    for (let i = 0; i < invoiceIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = invoiceIds
        .slice(i, i + 100)
        .map((id): Record<string, unknown> => ({ ...Keys.invoice(id) }));
      while (keys && keys.length > 0) {
        const out: BatchGetCommandOutput = await this.db.doc.send(
          new BatchGetCommand({ RequestItems: { [this.db.table]: { Keys: keys } } }),
        );
        found.push(...(out.Responses?.[this.db.table] ?? []).map(fromItem));
        keys = out.UnprocessedKeys?.[this.db.table]?.Keys;
      }
    }
    return found;
  }

  /**
   * Replaces the invoice if nobody changed it since `expectedRevision`, together with `extra`
   * items (outbox, audit) in one transaction; false when somebody did.
   */
  async replace(
    invoice: Invoice,
    expectedRevision: number,
    extra: TransactItem[] = [],
  ): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: toItem(invoice),
          ConditionExpression: 'attribute_exists(pk) AND revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        },
      },
      ...extra,
    ]);
  }

  /** A customer's invoices, newest period first, a page at a time. */
  async listForCustomer(customerId: string, limit: number, cursor?: string) {
    const partition = Keys.customerInvoicesPartition(customerId);
    const page = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { gsi1pk: partition }),
      }),
    );
    return {
      invoices: (page.Items ?? []).map(fromItem),
      nextCursor: encodeCursor(page.LastEvaluatedKey),
    };
  }

  /** Next number in the period's sequence; numbers are never reused, drafts may leave gaps. */
  async nextNumber(period: string): Promise<string> {
    const { Attributes } = await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.invoiceNumberCounter(period),
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Attributes?.seq as number;
    return `INV-${period.replace('-', '')}-${String(seq).padStart(6, '0')}`;
  }
}
