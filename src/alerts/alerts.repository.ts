import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import { queryAll } from '../database/query-all';
import { transactIfFirstHolds } from '../database/transact';
import type { TransactItem } from '../database/transact-item';
import type { Alert, AlertTrigger } from './alert.model';

/**
 * This module's keys (beside, not in, the shared key list). A customer's alerts and their
 * trigger records share one partition, so "does this customer have alerts" and "which
 * thresholds fired" are one query.
 */
export const AlertKeys = {
  partition: (customerId: string) => `ALERTS#${customerId}`,
  alertPrefix: 'ALERT#',
  alert: (customerId: string, alertId: string): TableKey => ({
    pk: AlertKeys.partition(customerId),
    sk: `ALERT#${alertId}`,
  }),
  /**
   * Whether the customer's usage is queued for the alerts subscriber (`watched`), and how often
   * alerts were created (`version`): see AlertsRepository.createAlert and `unwatchIfNoAlerts`.
   */
  watch: (customerId: string): TableKey => ({ pk: AlertKeys.partition(customerId), sk: 'WATCH' }),
  triggerPrefix: (alertId: string) => `TRIGGER#${alertId}#`,
  /** One per (alert, window, threshold index): the record that makes a threshold fire once. */
  trigger: (customerId: string, alertId: string, windowId: string, index: number): TableKey => ({
    pk: AlertKeys.partition(customerId),
    sk: `TRIGGER#${alertId}#${windowId}#${String(index).padStart(6, '0')}`,
  }),
};

const TYPES = { alert: 'Alert', trigger: 'AlertTrigger', watch: 'AlertWatch' };

function strip(item: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, type, ...rest } = item;
  return rest;
}

@Injectable()
export class AlertsRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async getAlert(customerId: string, alertId: string): Promise<Alert | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: AlertKeys.alert(customerId, alertId),
        ConsistentRead: true,
      }),
    );
    return Item ? (strip(Item) as unknown as Alert) : undefined;
  }

  /** Every alert of a customer, by alertId. */
  async listAlerts(customerId: string): Promise<Alert[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': AlertKeys.partition(customerId),
        ':prefix': AlertKeys.alertPrefix,
      },
      ConsistentRead: true,
    });
    return items.map((item) => strip(item) as unknown as Alert);
  }

  /** Whether the customer has any alert: one read of at most one key. */
  async hasAlerts(customerId: string): Promise<boolean> {
    const page = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': AlertKeys.partition(customerId),
          ':prefix': AlertKeys.alertPrefix,
        },
        ProjectionExpression: 'pk',
        Limit: 1,
        // Decides whether events reach the alerts queue at all: must see an alert just created.
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).length > 0;
  }

  /** The thresholds of an alert that fired in a window. */
  async listTriggers(
    customerId: string,
    alertId: string,
    windowId: string,
  ): Promise<AlertTrigger[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': AlertKeys.partition(customerId),
        ':prefix': `${AlertKeys.triggerPrefix(alertId)}${windowId}#`,
      },
      ConsistentRead: true,
    });
    return items.map((item) => strip(item) as unknown as AlertTrigger);
  }

  /**
   * Stores a new alert; false when the alertId is taken. The customer's watch item turns (or
   * stays) watched in the same transaction, and its version moves, so an `unwatchIfNoAlerts`
   * that read before cannot unwatch after.
   */
  createAlert(alert: Alert, extra: TransactItem[]): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...AlertKeys.alert(alert.customerId, alert.alertId),
            type: TYPES.alert,
            ...alert,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.db.table,
          Key: AlertKeys.watch(alert.customerId),
          UpdateExpression: 'SET #type = :type, watched = :yes ADD version :one',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':type': TYPES.watch, ':yes': true, ':one': 1 },
        },
      },
      ...extra,
    ]);
  }

  /**
   * Whether the customer's usage goes to the alerts queue, from its watch item as read (see
   * `watch`). Alerts created before watch items existed have none: then the alerts are looked
   * up and the answer stored. A "no" is stored only if no item appeared meanwhile (an alert
   * created since wrote one saying yes), so it never overwrites an alert's "yes".
   */
  async watched(customerId: string, item: Record<string, unknown> | undefined): Promise<boolean> {
    if (typeof item?.watched === 'boolean') return item.watched;
    if (await this.hasAlerts(customerId)) {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: AlertKeys.watch(customerId),
          UpdateExpression:
            'SET #type = :type, watched = :yes, version = if_not_exists(version, :zero)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':type': TYPES.watch, ':yes': true, ':zero': 0 },
        }),
      );
      return true;
    }
    try {
      await this.db.doc.send(
        new PutCommand({
          TableName: this.db.table,
          Item: { ...AlertKeys.watch(customerId), type: TYPES.watch, watched: false, version: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return false;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Written meanwhile: by an alert's creation (yes) or by the same fill-in for a concurrent
      // copy (no). Its answer stands.
      return (await this.getWatch(customerId))?.watched === true;
    }
  }

  private async getWatch(customerId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: AlertKeys.watch(customerId),
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /**
   * After an alert was deleted: stops queueing the customer's usage if no alert is left. Only if
   * no alert was created since the watch item was read (its version is unchanged); a failure
   * here leaves the customer watched, which only queues usage the subscriber then ignores.
   */
  async unwatchIfNoAlerts(customerId: string): Promise<void> {
    const item = await this.getWatch(customerId);
    if (!item || item.watched !== true || (await this.hasAlerts(customerId))) return;
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: AlertKeys.watch(customerId),
          UpdateExpression: 'SET watched = :no',
          ConditionExpression: 'version = :read',
          ExpressionAttributeValues: { ':no': false, ':read': item.version ?? 0 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Deletes an alert as it was read; false when it was gone already. */
  deleteAlert(customerId: string, alertId: string, extra: TransactItem[]): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Delete: {
          TableName: this.db.table,
          Key: AlertKeys.alert(customerId, alertId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...extra,
    ]);
  }

  /** Removes every trigger record of an alert (after the alert itself is gone). */
  async deleteTriggers(customerId: string, alertId: string): Promise<void> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': AlertKeys.partition(customerId),
        ':prefix': AlertKeys.triggerPrefix(alertId),
      },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    for (let i = 0; i < items.length; i += 25) {
      await this.db.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.db.table]: items
              .slice(i, i + 25)
              .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
          },
        }),
      );
    }
  }

  /**
   * Fires a threshold: the trigger record, only if it does not exist yet, with the caller's
   * event and audit items. False when it existed (the threshold already fired in this window).
   */
  putTrigger(customerId: string, trigger: AlertTrigger, extra: TransactItem[]): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...AlertKeys.trigger(customerId, trigger.alertId, trigger.windowId, trigger.index),
            type: TYPES.trigger,
            ...trigger,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...extra,
    ]);
  }

  /**
   * Re-arms a threshold: deletes the trigger record read (same `triggerId`), with the caller's
   * event and audit items. False when it was deleted or replaced meanwhile.
   */
  deleteTrigger(
    customerId: string,
    trigger: AlertTrigger,
    extra: TransactItem[],
  ): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Delete: {
          TableName: this.db.table,
          Key: AlertKeys.trigger(customerId, trigger.alertId, trigger.windowId, trigger.index),
          ConditionExpression: 'triggerId = :id',
          ExpressionAttributeValues: { ':id': trigger.triggerId },
        },
      },
      ...extra,
    ]);
  }
}
