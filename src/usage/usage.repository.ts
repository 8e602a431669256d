import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  NumberValue,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Dec } from '../common/money';
import { DynamoDatabase } from '../database/dynamo-database';
import { batchPutAll } from '../database/batch-put';
import { queryAll } from '../database/query-all';
import type { TransactItem } from '../database/transact-item';
import { GSI1, Keys, type TableKey } from '../database/keys';
import type {
  DayRecord,
  PeriodAdjustment,
  RecordedUsageEvent,
  StoredEventPayload,
  UsageCorrection,
  UsageEvent,
  UsageTotals,
} from './usage.model';
import { fromPageAttributes, toPageAttributes } from './usage-event-page';

/**
 * Keys of usage corrections (beside the shared key list: no other module reads them). A
 * correction lives in a partition of its event (customer ids never hold `#`, so an event id that
 * does cannot reach another event's partition); a period's pending adjustment sits with the
 * customer's other usage records.
 */
export const UsageCorrectionKeys = {
  correctionPartition: (customerId: string, eventId: string) =>
    `USAGE_CORRECTION#${customerId}#${eventId}`,
  /** Zero-padded so that string order is the order of the corrections. */
  correction: (customerId: string, eventId: string, seq: number): TableKey => ({
    pk: UsageCorrectionKeys.correctionPartition(customerId, eventId),
    sk: `SEQ#${String(seq).padStart(6, '0')}`,
  }),
  adjustment: (customerId: string, period: string): TableKey => ({
    pk: Keys.usagePeriod(customerId, period).pk,
    sk: `${UsageCorrectionKeys.adjustmentPrefix}${period}`,
  }),
  adjustmentPrefix: 'ADJUST#',
};

/** One correction as stored: the event as it was read, and what changes. */
export interface CorrectionWrite {
  /** The event as read: the write holds only while its `correctionSeq` is still this one. */
  event: RecordedUsageEvent;
  correction: UsageCorrection;
  /** What the event's day and endpoint `n` change by: −1 for a void, 0 for an amendment. */
  eventsDelta: number;
  /** Items of the same transaction (outbox entry, audit record). */
  extra: TransactItem[];
}

/** `applied`; `stale` when the event or its period moved since it was read; `conflict` to retry. */
export type CorrectionOutcome = 'applied' | 'stale' | 'conflict';

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
   *
   * The same transaction writes one event page per customer-day of the batch (see `pageItems`):
   * the day's raw events by time for partial-day reads, instead of an index entry per event. A
   * page commits exactly when its events do, so it holds each event once, like the records.
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
      items.push(this.periodOpenCheck(customerId, period));
      owners.push({ kind: 'closed', customerId, period });
    }
    for (const item of batch.gated) {
      items.push(item);
      owners.push({ kind: 'gate' });
    }
    // Pages and extra items have no owner: their puts are conditioned on nothing a caller decides.
    items.push(...this.pageItems(batch.events, ingestedAt), ...batch.extra);
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

  /**
   * One page per customer-day of `events`: each event's id, timestamp, endpoint and quantity,
   * encoded compactly (`toPageAttributes`). Keyed by the write's time and a random id, so two
   * transactions never share a page; the put is conditioned on a fresh key all the same, so a
   * page could never silently replace another one.
   */
  private pageItems(events: readonly UsageEvent[], createdAt: string): TransactItem[] {
    const byDay = new Map<string, UsageEvent[]>();
    for (const event of events) {
      const key = `${event.customerId}\u0000${event.day}`;
      const list = byDay.get(key);
      if (list) list.push(event);
      else byDay.set(key, [event]);
    }
    const txId = randomBytes(9).toString('base64url');
    return [...byDay.values()].map((list) => {
      const { customerId, day } = list[0];
      return {
        Put: {
          TableName: this.db.table,
          Item: {
            ...Keys.usageEventPage(customerId, day, createdAt, txId),
            type: 'UsageEventPage',
            ...toPageAttributes(day, list),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    });
  }

  /** The event record: no index keys (a day's events by time are in its pages). */
  private eventPut(event: UsageEvent, ingestedAt: string) {
    return {
      TableName: this.db.table,
      Item: {
        ...Keys.usageEvent(event.customerId, event.eventId),
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
    // A day whose every event was voided holds zero totals: it has no usage.
    return items.map(toDayRecord).filter((d) => !isEmpty(d.total));
  }

  /**
   * Raw events of one customer-day with `from <= timestamp < to` (for partial days), oldest
   * first, each with its corrections applied: a voided event counts for nothing, an amended one
   * for its corrected quantity.
   *
   * Two queries, whatever the number of events (a query only goes on past 1 MB of items): the
   * day's event pages and correction fixes (one consistent query of the customer's partition:
   * fixes sort after the pages under the same day prefix), and the day's GSI1 partition for
   * events recorded before pages existed (each such record carries its own index entry with its
   * corrections). A page of a batch costs a fraction of the index entries of its events to read.
   * A page lists events as ingested; every correction also writes the event's fix (`writeCorrection`), which the read applies by
   * eventId, so pages are never rewritten. An event is in a page or in the index, never both;
   * the merge by eventId keeps one copy all the same.
   */
  async getEventsBetween(
    customerId: string,
    day: string,
    from: string,
    to: string,
  ): Promise<{ endpoint: string; quantity: string }[]> {
    const prefix = Keys.usageEventPagesPrefix(day);
    const fixPrefix = Keys.usageEventFix(customerId, day, '').sk;
    const [pageItems, legacyItems] = await Promise.all([
      queryAll(this.db.doc, {
        TableName: this.db.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': Keys.usageDay(customerId, day).pk, ':prefix': prefix },
        ConsistentRead: true,
      }),
      queryAll(this.db.doc, {
        TableName: this.db.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': Keys.legacyUsageEventTimePartition(customerId, day),
          ':from': from,
          // Sort keys are `<timestamp>#<eventId>`; "#" sorts before any id character, so
          // `<to>#` bounds the range just below events at exactly `to` (half-open).
          ':to': `${to}#`,
        },
        ProjectionExpression:
          'eventId, endpoint, quantity, #ts, effectiveQuantity, voided, correctionSeq',
        ExpressionAttributeNames: { '#ts': 'timestamp' },
      }),
    ]);
    interface Found {
      eventId: string;
      endpoint: string;
      timestamp: string;
      quantity: string;
      voided: boolean;
      correctionSeq: number;
    }
    const found = new Map<string, Found>();
    const fixes: Record<string, unknown>[] = [];
    for (const item of pageItems) {
      if ((item.sk as string).startsWith(fixPrefix)) {
        fixes.push(item);
        continue;
      }
      for (const e of fromPageAttributes(day, item)) {
        if (e.timestamp >= from && e.timestamp < to && !found.has(e.eventId)) {
          found.set(e.eventId, { ...e, voided: false, correctionSeq: 0 });
        }
      }
    }
    for (const item of legacyItems) {
      const timestamp = item.timestamp as string;
      const eventId = item.eventId as string;
      if (timestamp < to && !found.has(eventId)) {
        found.set(eventId, {
          eventId,
          endpoint: item.endpoint as string,
          timestamp,
          quantity: (item.effectiveQuantity ?? item.quantity) as string,
          voided: item.voided === true,
          correctionSeq: typeof item.correctionSeq === 'number' ? item.correctionSeq : 0,
        });
      }
    }
    for (const fix of fixes) {
      const event = found.get(fix.eventId as string);
      // The newest correction wins: an index entry (eventually consistent) may lag its fix.
      if (!event || (fix.correctionSeq as number) < event.correctionSeq) continue;
      event.quantity = fix.quantity as string;
      event.voided = fix.voided === true;
      event.correctionSeq = fix.correctionSeq as number;
    }
    // In the index's order (`<timestamp>#<eventId>`), as this read always returned them.
    const order = (e: Found) => `${e.timestamp}#${e.eventId}`;
    return [...found.values()]
      .filter((e) => !e.voided)
      .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
      .map((e) => ({ endpoint: e.endpoint, quantity: e.quantity }));
  }

  /** One recorded event with its corrections applied (consistent read). */
  async getEvent(customerId: string, eventId: string): Promise<RecordedUsageEvent | undefined> {
    const { Item } = await this.db.exactDoc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.usageEvent(customerId, eventId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const original = Item.quantity as string;
    return {
      customerId,
      eventId,
      endpoint: Item.endpoint as string,
      timestamp: Item.timestamp as string,
      ingestedAt: Item.ingestedAt as string,
      originalQuantity: original,
      quantity: (Item.effectiveQuantity as string | undefined) ?? original,
      voided: Item.voided === true,
      correctionSeq: Item.correctionSeq ? Number(String(Item.correctionSeq as NumberValue)) : 0,
    };
  }

  /** An event's corrections, oldest first (consistent read). */
  async getCorrections(customerId: string, eventId: string): Promise<UsageCorrection[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: {
        ':pk': UsageCorrectionKeys.correctionPartition(customerId, eventId),
      },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      seq: item.seq as number,
      type: item.correction as UsageCorrection['type'],
      previousQuantity: item.previousQuantity as string,
      quantity: item.quantity as string,
      delta: item.delta as string,
      reason: item.reason as string,
      at: item.at as string,
      actor: item.actor as UsageCorrection['actor'],
      ...(item.requestId ? { requestId: item.requestId as string } : {}),
      periodClosed: item.periodClosed === true,
    }));
  }

  /** Whether a customer's period is closed (its invoice finalized); consistent read. */
  async isPeriodClosed(customerId: string, period: string): Promise<boolean> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.usagePeriod(customerId, period),
        ProjectionExpression: 'closedAt',
        ConsistentRead: true,
      }),
    );
    return Item?.closedAt !== undefined;
  }

  /**
   * Records a correction in one transaction: the event's effective quantity and correction
   * counter (only while the counter is the one read, so two corrections of one event never both
   * apply), the correction record, the event's fix for its day's pages (what `getEventsBetween`
   * applies to the event as a page lists it: replaced by every correction, which the counter
   * orders), the day and endpoint totals moved by the difference (no daily-limit condition), and
   * either a check that the period is still open or, for a closed
   * period, its pending adjustment's version moved on. `stale` when the event or the period
   * moved since they were read (read again and decide again).
   */
  async writeCorrection(w: CorrectionWrite): Promise<CorrectionOutcome> {
    const { event, correction } = w;
    const day = event.timestamp.slice(0, 10);
    const period = event.timestamp.slice(0, 7);
    const names: Record<string, string> = {
      '#q': 'q',
      '#qe': `q:${event.endpoint}`,
    };
    const values: Record<string, unknown> = { ':dq': num(correction.delta) };
    const adds = ['#q :dq', '#qe :dq'];
    if (w.eventsDelta !== 0) {
      names['#n'] = 'n';
      names['#ne'] = `n:${event.endpoint}`;
      values[':dn'] = num(w.eventsDelta);
      adds.push('#n :dn', '#ne :dn');
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.db.table,
          Key: Keys.usageEvent(event.customerId, event.eventId),
          UpdateExpression:
            'SET effectiveQuantity = :quantity, correctionSeq = :next' +
            (correction.type === 'void' ? ', voided = :true' : ''),
          ConditionExpression:
            event.correctionSeq === 0
              ? 'attribute_exists(pk) AND attribute_not_exists(correctionSeq)'
              : 'attribute_exists(pk) AND correctionSeq = :seq',
          ExpressionAttributeValues: {
            ':quantity': correction.quantity,
            ':next': correction.seq,
            ...(correction.type === 'void' ? { ':true': true } : {}),
            ...(event.correctionSeq === 0 ? {} : { ':seq': event.correctionSeq }),
          },
        },
      },
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...UsageCorrectionKeys.correction(event.customerId, event.eventId, correction.seq),
            type: 'UsageCorrection',
            customerId: event.customerId,
            eventId: event.eventId,
            seq: correction.seq,
            correction: correction.type,
            previousQuantity: correction.previousQuantity,
            quantity: correction.quantity,
            delta: correction.delta,
            reason: correction.reason,
            at: correction.at,
            actor: correction.actor,
            ...(correction.requestId ? { requestId: correction.requestId } : {}),
            periodClosed: correction.periodClosed,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...Keys.usageEventFix(event.customerId, day, event.eventId),
            type: 'UsageEventFix',
            eventId: event.eventId,
            quantity: correction.quantity,
            correctionSeq: correction.seq,
            // As on the event record: once voided, always voided (a voided event is never amended).
            ...(event.voided || correction.type === 'void' ? { voided: true } : {}),
          },
        },
      },
      {
        Update: {
          TableName: this.db.table,
          Key: Keys.usageDay(event.customerId, day),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      correction.periodClosed
        ? {
            Update: {
              TableName: this.db.table,
              Key: UsageCorrectionKeys.adjustment(event.customerId, period),
              UpdateExpression:
                'SET #type = :type, customerId = :customer, #period = :period, updatedAt = :at ADD #version :one',
              ExpressionAttributeNames: {
                '#type': 'type',
                '#period': 'period',
                '#version': 'version',
              },
              ExpressionAttributeValues: {
                ':type': 'UsageAdjustment',
                ':customer': event.customerId,
                ':period': period,
                ':at': correction.at,
                ':one': 1,
              },
            },
          }
        : this.periodOpenCheck(event.customerId, period),
      ...w.extra,
    ];
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return 'stale';
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  /** A customer's periods corrected after their invoice and not billed since, oldest first. */
  async pendingAdjustments(customerId: string): Promise<PeriodAdjustment[]> {
    const items = await queryAll(this.db.exactDoc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': Keys.usagePeriod(customerId, '').pk,
        ':prefix': UsageCorrectionKeys.adjustmentPrefix,
      },
      ConsistentRead: true,
    });
    return items
      .map((item) => ({
        period: item.period as string,
        version: Number(String(item.version as NumberValue)),
        billed: item.billedVersion ? Number(String(item.billedVersion as NumberValue)) : 0,
      }))
      .filter((a) => a.version > a.billed)
      .map(({ period, version }) => ({ period, version }))
      .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  }

  /**
   * Marks adjustments billed up to the versions given, for the caller's transaction: each item
   * holds only while the period's version is still that one (a correction in between fails the
   * transaction) and was not billed at that version already (two invoices never carry it).
   */
  adjustmentsBilledItems(
    customerId: string,
    adjustments: readonly PeriodAdjustment[],
    billedAt: string,
  ): TransactItem[] {
    return adjustments.map(({ period, version }) => ({
      Update: {
        TableName: this.db.table,
        Key: UsageCorrectionKeys.adjustment(customerId, period),
        UpdateExpression: 'SET billedVersion = :version, billedAt = :at',
        ConditionExpression:
          '#version = :version AND (attribute_not_exists(billedVersion) OR billedVersion < :version)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': version, ':at': billedAt },
      },
    }));
  }

  /** A transaction item that holds only while the customer's period is not closed. */
  periodOpenCheck(customerId: string, period: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.db.table,
        Key: Keys.usagePeriod(customerId, period),
        ConditionExpression: 'attribute_not_exists(closedAt)',
      },
    };
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
    const totals = { quantity: String(value), events: events ? Number(String(events)) : 0 };
    // An endpoint whose every event of the day was voided has no usage that day.
    if (!isEmpty(totals)) endpoints.set(endpoint, totals);
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

/** No event and no quantity: what totals come to once every event in them was voided. */
function isEmpty(totals: UsageTotals): boolean {
  return totals.events === 0 && new Dec(totals.quantity).isZero();
}
