import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { Dec, type Decimal } from '../common/money';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import { transactIfConditionsHold } from '../database/transact';
import type { TransactItem } from '../database/transact-item';

/** This module's keys: one item per customer and adjusted period. */
const key = (customerId: string, period: string): TableKey => ({
  pk: `ADJUSTMENTS#${customerId}`,
  sk: `PERIOD#${period}`,
});

/** What has been charged (+) or credited (−) for a past period since its invoice. */
export interface SettledAdjustment {
  /** Decimal: the sum of every adjustment settled for the period so far. */
  settled: Decimal;
  /** Bumped by every settlement; settlements are conditioned on it. */
  revision: number;
}

@Injectable()
export class PeriodAdjustmentsRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(customerId: string, period: string): Promise<SettledAdjustment> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: key(customerId, period),
        ConsistentRead: true,
      }),
    );
    return {
      settled: new Dec((Item?.settled as string | undefined) ?? '0'),
      revision: (Item?.revision as number | undefined) ?? 0,
    };
  }

  /** Adds `amount` to what was settled, if nothing was settled since `read`. */
  settleItem(
    customerId: string,
    period: string,
    read: SettledAdjustment,
    amount: Decimal,
    at: string,
  ): TransactItem {
    return {
      Update: {
        TableName: this.db.table,
        Key: key(customerId, period),
        UpdateExpression:
          'SET settled = :settled, revision = :next, updatedAt = :at, customerId = :customer, period = :period, #type = :type',
        ConditionExpression:
          read.revision === 0 ? 'attribute_not_exists(revision)' : 'revision = :read',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':settled': read.settled.plus(amount).toFixed(),
          ':next': read.revision + 1,
          ':at': at,
          ':customer': customerId,
          ':period': period,
          ':type': 'PeriodAdjustment',
          ...(read.revision === 0 ? {} : { ':read': read.revision }),
        },
      },
    };
  }

  /** Writes a settlement's items; false when what they are conditioned on moved. */
  write(items: TransactItem[]): Promise<boolean> {
    return transactIfConditionsHold(this.db.doc, items);
  }
}
