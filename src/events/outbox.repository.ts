import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { batchGetAll } from '../database/batch-get';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys, type TableKey } from '../database/keys';
import {
  type OutboxItem,
  type StoredOutboxItem,
  type TransactWriteItem,
  fromStoredOutboxItem,
  toStoredAttributes,
} from './outbox.model';

const keyOf = (item: Pick<OutboxItem, 'pk' | 'sk'>): TableKey => ({ pk: item.pk, sk: item.sk });

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** What a shard listing reads of each item: enough to pick one to claim, not its events. */
export type ListedOutboxItem = Pick<OutboxItem, 'pk' | 'sk' | 'claimUntil'>;

/** An outbox item's or a subscriber queue item's key. */
export type QueueItemKey = Pick<OutboxItem, 'pk' | 'sk'>;

/** Which queue a partition key belongs to (stream records name items by key). */
export type QueueOfKey = { kind: 'outbox' } | { kind: 'subscriber'; subscriber: string };

export interface ShardPage {
  items: ListedOutboxItem[];
  next?: Record<string, unknown>;
}

export interface ShardBacklog {
  pending: number;
  oldestCreatedAt?: string;
  /** True when the shard holds more items than were counted. */
  truncated: boolean;
}

/**
 * Outbox access patterns. Claims, progress and deletion are conditional writes, which is what
 * keeps two relays on one table from publishing the same item at the same time.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** How many shards the outbox is spread over; a new item goes to a random one. */
  static readonly SHARDS: number = Keys.OUTBOX_SHARDS;

  /** Every outbox shard's partition, the queues the relay reads. */
  static shardPartitions(): string[] {
    return Array.from({ length: Keys.OUTBOX_SHARDS }, (_, shard) => Keys.outboxPartition(shard));
  }

  /** The key of a new outbox item in `shard` (oldest first within the shard). */
  static itemKey(shard: number, createdAt: string, id: string): TableKey {
    return Keys.outbox(shard, createdAt, id);
  }

  /** The partition of an in-process subscriber's queue. */
  static queuePartition(subscriber: string): string {
    return Keys.subscriberQueuePartition(subscriber);
  }

  /** The key of a queue item copied from outbox item `id` (same sort key, so oldest first). */
  static queueItemKey(subscriber: string, createdAt: string, id: string): TableKey {
    return Keys.subscriberQueue(subscriber, createdAt, id);
  }

  /** The queue `pk` belongs to: an outbox shard, a subscriber's queue, or none (undefined). */
  static queueOf(pk: string): QueueOfKey | undefined {
    if (OutboxRepository.shardPartitions().includes(pk)) return { kind: 'outbox' };
    const prefix = Keys.subscriberQueuePartition('');
    return pk.startsWith(prefix) && pk.length > prefix.length
      ? { kind: 'subscriber', subscriber: pk.slice(prefix.length) }
      : undefined;
  }

  /** The Put a caller adds to its own transaction; fails the transaction only on a key clash. */
  insertInTransaction(item: StoredOutboxItem): TransactWriteItem {
    return {
      Put: {
        TableName: this.db.table,
        Item: toStoredAttributes(item),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * The items at `keys` (strongly consistent; missing ones are not returned): subscribers' watch
   * items, named by the subscribers (see `BillingEventSubscriber.watch`).
   */
  readItems(keys: readonly TableKey[]): Promise<Record<string, unknown>[]> {
    return batchGetAll(this.db.doc, this.db.table, keys, { consistent: true });
  }

  async insert(item: StoredOutboxItem): Promise<void> {
    await this.db.doc.send(new PutCommand(this.insertInTransaction(item).Put!));
  }

  /**
   * One page of a queue partition (an outbox shard or a subscriber's queue), oldest first, keys
   * and lease only: the events come with the claim. Eventually consistent on purpose (half the
   * read cost): a stale row only costs a failed claim, since claims are conditional.
   */
  async listPartition(
    pk: string,
    limit: number,
    start?: Record<string, unknown>,
  ): Promise<ShardPage> {
    const page: QueryCommandOutput = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk, claimUntil',
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return { items: (page.Items ?? []) as ListedOutboxItem[], next: page.LastEvaluatedKey };
  }

  /** Who holds an item and until when (strongly consistent); undefined once it is gone. */
  async getLease(
    key: QueueItemKey,
  ): Promise<Pick<OutboxItem, 'claimedBy' | 'claimUntil'> | undefined> {
    const out = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: keyOf(key),
        ProjectionExpression: 'pk, claimedBy, claimUntil',
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { claimedBy, claimUntil } = out.Item as Pick<OutboxItem, 'claimedBy' | 'claimUntil'>;
    return { claimedBy, claimUntil };
  }

  /**
   * Takes an item for `leaseMs` unless another relay holds it or it is waiting out a backoff.
   * Returns the item as stored now (its `published` list is current), or undefined.
   */
  async claim(item: ListedOutboxItem, owner: string, nowMs: number, untilMs: number) {
    try {
      const out = await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: keyOf(item),
          UpdateExpression: 'SET claimedBy = :owner, claimUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(claimUntil) OR claimUntil < :now)',
          ExpressionAttributeValues: { ':owner': owner, ':until': untilMs, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromStoredOutboxItem(out.Attributes as StoredOutboxItem);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Records eventIds EventBridge confirmed (a string set: adding twice is harmless) and renews
   * the lease. False when `owner` no longer holds the item (lease expired and taken over).
   */
  async recordPublished(item: OutboxItem, owner: string, eventIds: string[], untilMs: number) {
    if (eventIds.length === 0) return true;
    return conditional(
      this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: keyOf(item),
          UpdateExpression: 'ADD published :ids SET claimUntil = :until',
          ConditionExpression: 'claimedBy = :owner',
          ExpressionAttributeValues: {
            ':ids': new Set(eventIds),
            ':owner': owner,
            ':until': untilMs,
          },
        }),
      ),
    );
  }

  /**
   * Same record without owning the item: after losing the lease we still tell the new owner
   * what went out, so it re-sends as little as possible. Never recreates a deleted item.
   */
  async recordPublishedUnowned(item: OutboxItem, eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await conditional(
      this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: keyOf(item),
          UpdateExpression: 'ADD published :ids',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':ids': new Set(eventIds) },
        }),
      ),
    );
  }

  /** Deletes a fully published item; false when `owner` no longer holds it. */
  async deleteClaimed(item: OutboxItem, owner: string): Promise<boolean> {
    return conditional(
      this.db.doc.send(
        new DeleteCommand({
          TableName: this.db.table,
          Key: keyOf(item),
          ConditionExpression: 'claimedBy = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  /**
   * Gives an item back after a failure, recording the eventIds that did go out. With
   * `retryAtMs`, no relay may claim it before then (per-item backoff); without, any relay may
   * take it at its next poll. False when `owner` no longer holds it.
   */
  async release(
    item: OutboxItem,
    owner: string,
    outcome: { error: string; published?: string[]; retryAtMs?: number },
  ) {
    const retry = outcome.retryAtMs !== undefined;
    const published = outcome.published ?? [];
    const set = 'SET attempts = attempts + :one, lastError = :error';
    return conditional(
      this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: keyOf(item),
          UpdateExpression: [
            retry
              ? `${set}, claimUntil = :retryAt REMOVE claimedBy`
              : `${set} REMOVE claimedBy, claimUntil`,
            published.length > 0 ? 'ADD published :ids' : '',
          ].join(' '),
          ConditionExpression: 'claimedBy = :owner',
          ExpressionAttributeValues: {
            ':one': 1,
            ':error': outcome.error.slice(0, 500),
            ':owner': owner,
            ...(retry ? { ':retryAt': outcome.retryAtMs } : {}),
            ...(published.length > 0 ? { ':ids': new Set(published) } : {}),
          },
        }),
      ),
    );
  }

  /**
   * Copies a claimed outbox item's events into subscriber queues and marks the item, in one
   * transaction, so each subscriber gets them exactly once however often the item is claimed.
   * False when `owner` no longer holds the item, or another claim already fanned it out.
   */
  async fanOut(item: OutboxItem, owner: string, queued: StoredOutboxItem[]): Promise<boolean> {
    try {
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.db.table,
                Key: keyOf(item),
                UpdateExpression: 'SET fannedOut = :true',
                ConditionExpression: 'claimedBy = :owner AND attribute_not_exists(fannedOut)',
                ExpressionAttributeValues: { ':true': true, ':owner': owner },
              },
            },
            ...queued.map((item) => ({
              Put: { TableName: this.db.table, Item: toStoredAttributes(item) },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException && error.CancellationReasons;
      if (reasons && reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /** Undelivered events and the oldest item of one partition, reading at most `maxItems`. */
  async getPartitionBacklog(pk: string, maxItems: number): Promise<ShardBacklog> {
    let pending = 0;
    let counted = 0;
    let oldestCreatedAt: string | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'createdAt, eventCount, published',
          Limit: Math.min(500, maxItems - counted),
          ExclusiveStartKey: start,
        }),
      );
      for (const row of page.Items ?? []) {
        const { createdAt, eventCount, published } = row as Partial<OutboxItem>;
        oldestCreatedAt ??= createdAt;
        pending += Math.max(0, (eventCount ?? 0) - (published?.size ?? 0));
        counted += 1;
      }
      start = page.LastEvaluatedKey;
    } while (start && counted < maxItems);
    return { pending, oldestCreatedAt, truncated: start !== undefined };
  }
}
