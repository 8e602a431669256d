import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { transactIfFirstHolds } from '../database/transact';
import type { TransactItem } from '../database/transact-item';
import { Keys } from '../database/keys';
import { queryGsiPage } from '../database/query-page';
import type { Customer } from './customer.model';

const ITEM_TYPE = 'Customer';

function toItem(customer: Customer): Record<string, unknown> {
  return {
    ...Keys.customer(customer.id),
    ...Keys.customerList(customer.id),
    type: ITEM_TYPE,
    ...customer,
  };
}

function fromItem(item: Record<string, unknown>): Customer {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, stripeCustomerId, ...customer } = item;
  // Records written before provider-neutral links carry `stripeCustomerId`; the next write of
  // the customer stores `providerCustomer` instead.
  if (typeof stripeCustomerId === 'string' && !customer.providerCustomer) {
    customer.providerCustomer = { provider: 'stripe', id: stripeCustomerId };
  }
  return customer as unknown as Customer;
}

export interface CustomerPage {
  customers: Customer[];
  nextCursor: string | null;
}

@Injectable()
export class CustomersRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /**
   * Inserts a new customer, with `extra` items (outbox, audit) in the same transaction, and a
   * provider-sync marker when `syncPending`; false when the id is taken (never overwrites).
   */
  async create(
    customer: Customer,
    options: { syncPending?: boolean; extra?: TransactItem[] } = {},
  ): Promise<boolean> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.db.table,
          Item: toItem(customer),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (options.syncPending) {
      items.push({
        Put: {
          TableName: this.db.table,
          Item: { ...Keys.providerSyncPending(customer.id), customerId: customer.id },
        },
      });
    }
    items.push(...(options.extra ?? []));
    return transactIfFirstHolds(this.db.doc, items);
  }

  /** Customers still waiting for their payment-provider customer, a few at a time. */
  async listSyncPending(limit: number): Promise<string[]> {
    const page = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': Keys.providerSyncPartition },
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((i) => i.customerId as string);
  }

  async clearSyncPending(customerId: string): Promise<void> {
    await this.db.doc.send(
      new DeleteCommand({ TableName: this.db.table, Key: Keys.providerSyncPending(customerId) }),
    );
  }

  async get(customerId: string): Promise<Customer | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.customer(customerId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Replaces a customer only if nobody wrote it since `expectedRevision` was read, together with
   * `extra` items (audit, outbox) in one transaction; false when somebody did (the caller
   * re-reads and retries).
   */
  async replace(
    customer: Customer,
    expectedRevision: number,
    extra: TransactItem[] = [],
  ): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: toItem(customer),
          ConditionExpression: 'attribute_exists(pk) AND revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        },
      },
      ...extra,
    ]);
  }

  /** Customers ordered by id, one page at a time. */
  async list(limit: number, cursor?: string): Promise<CustomerPage> {
    const page = await queryGsiPage(this.db.doc, {
      table: this.db.table,
      partition: Keys.customerListPartition,
      limit,
      cursor,
      ascending: true,
    });
    return { customers: page.items.map(fromItem), nextCursor: page.nextCursor };
  }
}
