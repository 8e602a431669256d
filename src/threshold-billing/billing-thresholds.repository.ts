import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { batchGetAll } from '../database/batch-get';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import { transactIfConditionsHold } from '../database/transact';
import type { TransactItem } from '../database/transact-item';
import type { BillingThresholds, ThresholdPeriodState } from './billing-thresholds.model';

/**
 * This module's keys: a customer's thresholds and what each period billed at them share one
 * partition.
 */
export const ThresholdKeys = {
  config: (customerId: string): TableKey => ({
    pk: `THRESHOLD_BILLING#${customerId}`,
    sk: 'CONFIG',
  }),
  period: (customerId: string, period: string): TableKey => ({
    pk: `THRESHOLD_BILLING#${customerId}`,
    sk: `PERIOD#${period}`,
  }),
};

function strip<T>(item: Record<string, unknown>): T {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, type, ...rest } = item;
  return rest as T;
}

@Injectable()
export class BillingThresholdsRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(customerId: string): Promise<BillingThresholds | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: ThresholdKeys.config(customerId),
        ConsistentRead: true,
      }),
    );
    return Item ? strip<BillingThresholds>(Item) : undefined;
  }

  /** Stores the thresholds (replacing any) with `extra` items (audit) in one transaction. */
  async put(config: BillingThresholds, extra: TransactItem[]): Promise<void> {
    const written = await transactIfConditionsHold(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...ThresholdKeys.config(config.customerId),
            type: 'BillingThresholds',
            ...config,
          },
        },
      },
      ...extra,
    ]);
    if (!written) throw new Error(`Billing thresholds of ${config.customerId}: write conflict`);
  }

  /** Deletes them with `extra` items; false when there were none. */
  async delete(customerId: string, extra: TransactItem[]): Promise<boolean> {
    if (extra.length === 0) {
      const { Attributes } = await this.db.doc.send(
        new DeleteCommand({
          TableName: this.db.table,
          Key: ThresholdKeys.config(customerId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes !== undefined;
    }
    return transactIfConditionsHold(this.db.doc, [
      {
        Delete: {
          TableName: this.db.table,
          Key: ThresholdKeys.config(customerId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...extra,
    ]);
  }

  async periodState(customerId: string, period: string): Promise<ThresholdPeriodState> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: ThresholdKeys.period(customerId, period),
        ConsistentRead: true,
      }),
    );
    return Item
      ? strip<ThresholdPeriodState>(Item)
      : { customerId, period, reached: 0, invoiced: [] };
  }

  /** Several customers' states of one period (missing ones are at threshold 0). */
  async periodStates(keys: { customerId: string; period: string }[]) {
    const items = await batchGetAll(
      this.db.doc,
      this.db.table,
      keys.map((k) => ThresholdKeys.period(k.customerId, k.period)),
      { consistent: true },
    );
    const found = new Map<string, ThresholdPeriodState>();
    for (const item of items) {
      const state = strip<ThresholdPeriodState>(item);
      found.set(`${state.customerId}#${state.period}`, state);
    }
    return keys.map(
      (k) =>
        found.get(`${k.customerId}#${k.period}`) ?? {
          customerId: k.customerId,
          period: k.period,
          reached: 0,
          invoiced: [],
        },
    );
  }

  /**
   * The state moved from `read` to threshold `reached` (invoiced or not), for the transaction
   * that issues its invoice: holds only while the stored state is still the one read.
   */
  advance(read: ThresholdPeriodState, reached: number, invoiced: boolean): TransactItem {
    const next: ThresholdPeriodState = {
      ...read,
      reached,
      invoiced: invoiced ? [...read.invoiced, reached] : read.invoiced,
    };
    return {
      Put: {
        TableName: this.db.table,
        Item: {
          ...ThresholdKeys.period(read.customerId, read.period),
          type: 'ThresholdPeriodState',
          ...next,
        },
        ...(read.reached === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'reached = :read',
              ExpressionAttributeValues: { ':read': read.reached },
            }),
      },
    };
  }
}
