import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  NumberValue,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { Dec } from '../common/money';
import { DynamoDatabase } from '../database/dynamo-database';
import { batchPutAll } from '../database/batch-put';
import { queryAll } from '../database/query-all';
import type { TransactItem } from '../database/transact-item';
import { GSI1, Keys } from '../database/keys';
import type { DayRecord, StoredEventPayload, UsageEvent, UsageTotals } from './usage.model';

/** What one customer-day gains from a write: overall and per endpoint. */
export interface DayIncrement {
  customerId: string;
  day: string;
  quantity: string;
  events: number;
  endpoints: Map<string, UsageTotals>;
  /** When the plan has a daily limit: the day total must never exceed it, also on a fresh day. */
  limit?: string;
}

export interface UsageWrite {
  events: UsageEvent[];
  days: DayIncrement[];
  /** Customer + period pairs that must not be closed (back-dated usage into a past month). */
  openPeriods: { customerId: string; period: string }[];
  /** Items written in the same transaction, e.g. the outbox entry for these events. */
  extra: TransactItem[];
  /** The usage gates' items (see UsageGate), conditioned on what the gates read. */
  gated: TransactItem[];
}

export type WriteFailure =
  /** The customer + eventId exists; `existing` is the stored event (absent if the store did not
   *  return it). */
  | { kind: 'duplicate'; event: UsageEvent; existing?: StoredEventPayload }
  | { kind: 'limit'; day: DayIncrement }
  | { kind: 'closed'; customerId: string; period: string }
  | { kind: 'conflict' }
  /** What a usage gate read moved since: ask the gates again. */
  | { kind: 'gate' };

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
    for (const item of batch.gated) {
      items.push(item);
      owners.push({ kind: 'gate' });
    }
    items.push(...batch.extra);
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failures = reasons.flatMap((reason, index): WriteFailure[] => {
        const owner = owners[index];
        if (reason.Code !== 'ConditionalCheckFailed' || !owner) return [];
        // The event put asks for the item that blocked it (ALL_OLD): telling a replay from a
        // reused eventId then costs no read.
        if (owner.kind === 'duplicate' && reason.Item) {
          return [{ ...owner, existing: toStoredPayload(reason.Item) }];
        }
        return [owner];
      });
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
        ...(event.timestampGiven ? { timestampGiven: true } : {}),
        ingestedAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
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
    if (day.limit !== undefined) {
      // The total after the increment must stay within the limit: q + increment <= limit.
      const maxBefore = new Dec(day.limit).minus(day.quantity);
      values[':max'] = num(maxBefore.toFixed());
      // A fresh day (no total yet) takes the increment only when the increment alone fits; a
      // comparison with a missing attribute is false, so an increment over the limit always fails.
      condition = maxBefore.lessThan(0) ? '#q <= :max' : 'attribute_not_exists(#q) OR #q <= :max';
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

  /** One stored event's payload (consistent read), when the write did not return it. */
  async getEventPayload(
    customerId: string,
    eventId: string,
  ): Promise<StoredEventPayload | undefined> {
    const { Item } = await this.db.exactDoc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.usageEvent(customerId, eventId),
        ProjectionExpression: 'endpoint, quantity, #ts, timestampGiven',
        ExpressionAttributeNames: { '#ts': 'timestamp' },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      endpoint: Item.endpoint as string,
      quantity: Item.quantity as string,
      timestamp: Item.timestamp as string,
      timestampGiven: Item.timestampGiven === true,
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

/** An event item as a failed condition returns it (raw attribute values). */
function toStoredPayload(item: Record<string, AttributeValue>): StoredEventPayload {
  return {
    endpoint: item.endpoint?.S ?? '',
    quantity: item.quantity?.S ?? '',
    timestamp: item.timestamp?.S ?? '',
    timestampGiven: item.timestampGiven?.BOOL === true,
  };
}

/** Day totals as stored: per-endpoint attributes are `q:<endpoint>` and `n:<endpoint>`. */
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
