import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys } from '../database/keys';
import type { TransactItem } from '../database/transact-item';
import type { PaymentRecord } from './payment-record.model';

function toItem(record: PaymentRecord): Record<string, unknown> {
  return {
    ...Keys.payment(record.id),
    ...(record.customerId
      ? Keys.customerPayments(record.customerId, record.createdAt, record.id)
      : {}),
    type: 'Payment',
    ...record,
  };
}

function fromItem(item: Record<string, unknown>): PaymentRecord {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...record } = item;
  return record as unknown as PaymentRecord;
}

@Injectable()
export class PaymentRecordsRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(paymentId: string): Promise<PaymentRecord | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.payment(paymentId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * The Put for the caller's transaction: creates the record, or replaces the revision the caller
   * read (`expectedRevision`); the transaction fails when another event got there first.
   */
  putInTransaction(record: PaymentRecord, expectedRevision?: number): TransactItem {
    return {
      Put: {
        TableName: this.db.table,
        Item: toItem(record),
        ...(expectedRevision === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'revision = :expected',
              ExpressionAttributeValues: { ':expected': expectedRevision },
            }),
      },
    };
  }
}
