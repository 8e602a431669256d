import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  NumberValue,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { batchPutAll } from '../database/batch-put';
import { queryAll } from '../database/query-all';
import type { TransactItem } from '../database/transact-item';
import { GSI1, Keys } from '../database/keys';
import type { UsageEvent, UsageTotals } from './usage.model';

/** What one customer-day gains from a write: overall and per endpoint. */
export interface DayIncrement {
  customerId: string;
  day: string;
  quantity: string;
  events: number;
  endpoints: Map<string, UsageTotals>;
  /** When the plan has a daily limit: the highest day total allowed *before* this increment. */
  maxBefore?: string;
}

export interface UsageWrite {
  events: UsageEvent[];
  days: DayIncrement[];
  /** Customer + period pairs that must not be closed (back-dated usage into a past month). */
  openPeriods: { customerId: string; period: string }[];
  /** Items written in the same transaction, e.g. the outbox entry for these events. */
  extra: TransactItem[];
}

export type WriteFailure =
  | { kind: 'duplicate'; event: UsageEvent }
  | { kind: 'limit'; day: DayIncrement }
  | { kind: 'closed'; customerId: string; period: string }
  | { kind: 'conflict' };

/** Day totals as stored: per-endpoint attributes are `q:<endpoint>` and `n:<endpoint>`. */
export interface DayRecord {
  day: string;
  total: UsageTotals;
  endpoints: Map<string, UsageTotals>;
}

const num = (value: string | number) => NumberValue.from(String(value));

@Injectable()
export class UsageRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /**
   * Writes events and their day totals in one transaction: each event only if its customer +
   * eventId is new (exactly once, forever), each day total only if it stays within the plan's
   * daily limit, and only into open periods. Returns what blocked the write, if anything; nothing
   * is written then.
   */
  async write(batch: UsageWrite, ingestedAt: string): Promise<WriteFailure[]> {
    const items: TransactItem[] = [];
    const owners: WriteFailure[] = [];
    for (const event of batch.events) {
      items.push({ Put: this.eventPut(event, ingestedAt) });
      owners.push({ kind: 'duplicate', event });
    }
    for (const day of batch.days) {
      items.push({ Update: this.dayUpdate(day) });
      owners.push({ kind: 'limit', day });
    }
    for (const { customerId, period } of batch.openPeriods) {
      items.push({
        ConditionCheck: {
          TableName: this.db.table,
          Key: Keys.usagePeriod(customerId, period),
          ConditionExpression: 'attribute_not_exists(closedAt)',
        },
      });
      owners.push({ kind: 'closed', customerId, period });
    }
    items.push(...batch.extra);
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failures = reasons.flatMap((reason, index) =>
        reason.Code === 'ConditionalCheckFailed' && owners[index] ? [owners[index]] : [],
      );
      if (failures.length > 0) return failures;
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return [{ kind: 'conflict' }];
      throw error;
    }
  }

  private eventPut(event: UsageEvent, ingestedAt: string) {
    return {
      TableName: this.db.table,
      Item: {
        ...Keys.usageEvent(event.customerId, event.eventId),
        ...Keys.usageEventTime(event.customerId, event.day, event.timestamp, event.eventId),
        type: 'UsageEvent',
        customerId: event.customerId,
        eventId: event.eventId,
        endpoint: event.endpoint,
        quantity: event.quantity,
        timestamp: event.timestamp,
        ingestedAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  private dayUpdate(day: DayIncrement) {
    const names: Record<string, string> = { '#q': 'q', '#n': 'n', '#type': 'type', '#day': 'day' };
    const values: Record<string, unknown> = {
      ':q': num(day.quantity),
      ':n': num(day.events),
      ':type': 'UsageDay',
      ':day': day.day,
      ':customer': day.customerId,
    };
    const adds = ['#q :q', '#n :n'];
    let i = 0;
    for (const [endpoint, totals] of day.endpoints) {
      names[`#q${i}`] = `q:${endpoint}`;
      names[`#n${i}`] = `n:${endpoint}`;
      values[`:q${i}`] = num(totals.quantity);
      values[`:n${i}`] = num(totals.events);
      adds.push(`#q${i} :q${i}`, `#n${i} :n${i}`);
      i++;
    }
    let condition: string | undefined;
    if (day.maxBefore !== undefined) {
      condition = 'attribute_not_exists(#q) OR #q <= :max';
      values[':max'] = num(day.maxBefore);
    }
    return {
      TableName: this.db.table,
      Key: Keys.usageDay(day.customerId, day.day),
      UpdateExpression: `SET #type = :type, #day = :day, customerId = :customer ADD ${adds.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** The stored total of one customer-day (consistent read), "0" when there is none. */
  async getDayQuantity(customerId: string, day: string): Promise<string> {
    const { Item } = await this.db.exactDoc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.usageDay(customerId, day),
        ProjectionExpression: 'q',
        ConsistentRead: true,
      }),
    );
    return Item?.q ? String(Item.q as NumberValue) : '0';
  }

  /** Day totals for whole days `fromDay`..`toDay` inclusive: at most one item per day. */
  async getDays(customerId: string, fromDay: string, toDay: string): Promise<DayRecord[]> {
    const items = await queryAll(this.db.exactDoc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': Keys.usageDay(customerId, fromDay).pk,
        ':from': Keys.usageDay(customerId, fromDay).sk,
        ':to': Keys.usageDay(customerId, toDay).sk,
      },
      ConsistentRead: true,
    });
    const records: DayRecord[] = items.map(toDayRecord);
    return records;
  }

  /** Raw events of one customer-day with `from <= timestamp < to` (for partial days). */
  async getEventsBetween(customerId: string, day: string, from: string, to: string) {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': Keys.usageEventTimePartition(customerId, day),
        ':from': from,
        // Sort keys are `<timestamp>#<eventId>`; "#" sorts before any id character, so
        // `<to>#` bounds the range just below events at exactly `to` (half-open).
        ':to': `${to}#`,
      },
      ProjectionExpression: 'endpoint, quantity, #ts',
      ExpressionAttributeNames: { '#ts': 'timestamp' },
    });
    const events: { endpoint: string; quantity: string }[] = [];
    for (const item of items) {
      if ((item.timestamp as string) < to) {
        events.push({ endpoint: item.endpoint as string, quantity: item.quantity as string });
      }
    }
    return events;
  }

  /** Freezes a customer's period: later usage for it fails the open-period check. */
  async closePeriod(customerId: string, period: string, closedAt: string): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.usagePeriod(customerId, period),
        UpdateExpression: 'SET closedAt = if_not_exists(closedAt, :at), #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':at': closedAt, ':type': 'UsagePeriod' },
      }),
    );
  }

  /**
   * `closePeriod` for many customers at once (billing runs), in batch writes. A batch can only
   * put whole items, so a period closed before gets a later `closedAt`; only its presence
   * matters (the open-period check).
   */
  async closePeriods(
    customerIds: readonly string[],
    period: string,
    closedAt: string,
  ): Promise<void> {
    await batchPutAll(
      this.db.doc,
      this.db.table,
      customerIds.map((customerId) => ({
        ...Keys.usagePeriod(customerId, period),
        closedAt,
        type: 'UsagePeriod',
      })),
    );
  }
}

function toDayRecord(item: Record<string, unknown>): DayRecord {
  const endpoints = new Map<string, UsageTotals>();
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith('q:')) continue;
    const endpoint = name.slice(2);
    const events = item[`n:${endpoint}`] as NumberValue | undefined;
    endpoints.set(endpoint, {
      quantity: String(value),
      events: events ? Number(String(events)) : 0,
    });
  }
  return {
    day: item.day as string,
    total: {
      quantity: String(item.q),
      events: Number(String(item.n)),
    },
    endpoints,
  };
}
