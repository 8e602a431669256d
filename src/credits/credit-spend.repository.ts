import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import type { TransactItem } from '../database/transact-item';
import { CreditKeys } from './credits.repository';

const spendKey = (customerId: string): TableKey => ({
  pk: CreditKeys.partition(customerId),
  sk: 'SPEND',
});

/**
 * The revision of a blocked customer's admitted spend (`CREDITS#<customerId>` / `SPEND`): every
 * usage transaction the credit gate admits for the customer bumps it, conditioned on the value
 * the gate read, so two admissions priced from the same usage cannot both commit.
 */
@Injectable()
export class CreditSpendRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async revision(customerId: string): Promise<number> {
    const { Item } = await this.db.doc.send(
      new GetCommand({ TableName: this.db.table, Key: spendKey(customerId), ConsistentRead: true }),
    );
    return (Item?.rev as number | undefined) ?? 0;
  }

  /** Moves the revision on from `read`; fails the transaction if it moved since. */
  bump(customerId: string, read: number): TransactItem {
    return {
      Update: {
        TableName: this.db.table,
        Key: spendKey(customerId),
        UpdateExpression: 'SET rev = :next, #type = :type',
        ConditionExpression: read === 0 ? 'attribute_not_exists(rev)' : 'rev = :read',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':next': read + 1,
          ':type': 'CreditSpend',
          ...(read === 0 ? {} : { ':read': read }),
        },
      },
    };
  }

  /** Holds only while the customer's credit balance is still at ledger entry `seq`. */
  balanceUnchanged(customerId: string, seq: number | undefined): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.db.table,
        Key: CreditKeys.balance(customerId),
        ConditionExpression: seq === undefined ? 'attribute_not_exists(seq)' : 'seq = :seq',
        ...(seq === undefined ? {} : { ExpressionAttributeValues: { ':seq': seq } }),
      },
    };
  }
}
