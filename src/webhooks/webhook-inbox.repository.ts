import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys } from '../database/keys';
import { queryGsiPage } from '../database/query-page';
import type { TransactItem } from '../database/transact-item';
import type {
  WebhookEventEntry,
  WebhookEventResult,
  WebhookEventStatus,
} from './webhook-event.model';

const ITEM_TYPE = 'WebhookEvent';

function toItem(entry: WebhookEventEntry): Record<string, unknown> {
  return {
    ...Keys.webhookEvent(entry.id),
    ...Keys.webhookEventsByStatus(entry.status, entry.receivedAt, entry.id),
    type: ITEM_TYPE,
    ...entry,
  };
}

function fromItem(item: Record<string, unknown>): WebhookEventEntry {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...entry } = item;
  return entry as unknown as WebhookEventEntry;
}

/** The entry as one run saw it when claiming; its completion only lands if still that run's. */
export interface Claim {
  id: string;
  attempts: number;
}

export interface Completion {
  status: Extract<WebhookEventStatus, 'processed' | 'ignored'>;
  reason?: string;
  result: WebhookEventResult;
  at: string;
}

/** `lease_lost`: another run claimed the entry since; `conflict`: one of `extra`'s conditions failed. */
export type CompletionOutcome = 'done' | 'lease_lost' | 'conflict';

export interface WebhookEventPage {
  entries: WebhookEventEntry[];
  nextCursor: string | null;
}

/**
 * Inbox access patterns. Every status change is conditional on the status and attempt count the
 * caller saw, which is what makes exactly one of several concurrent deliveries process an event.
 */
@Injectable()
export class WebhookInboxRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** Stores a first delivery; false when the event id is stored already. */
  async insert(entry: WebhookEventEntry): Promise<boolean> {
    try {
      await this.db.doc.send(
        new PutCommand({
          TableName: this.db.table,
          Item: toItem(entry),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(eventId: string): Promise<WebhookEventEntry | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.webhookEvent(eventId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Takes an entry for another run, if it is still as `seen` (same status and attempts; for a
   * `received` entry also: its lease ran out at `nowMs`). Undefined when somebody else changed or
   * claimed it first.
   */
  async claim(
    seen: WebhookEventEntry,
    at: string,
    nowMs: number,
    leaseUntil: number,
  ): Promise<WebhookEventEntry | undefined> {
    const leaseExpired =
      seen.status === 'received'
        ? ' AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)'
        : '';
    try {
      const { Attributes } = await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: Keys.webhookEvent(seen.id),
          UpdateExpression:
            'SET #status = :received, gsi1pk = :list, attempts = :next, lastAttemptAt = :at, leaseUntil = :lease REMOVE #error, failedAt',
          ConditionExpression: `#status = :seenStatus AND attempts = :seenAttempts${leaseExpired}`,
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: {
            ':received': 'received',
            ':list': Keys.webhookEventsByStatusPartition('received'),
            ':next': seen.attempts + 1,
            ':at': at,
            ':lease': leaseUntil,
            ':seenStatus': seen.status,
            ':seenAttempts': seen.attempts,
            ...(leaseExpired ? { ':now': nowMs } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Records the outcome of a run together with `extra` (outbox events, the handler's own
   * writes) in one transaction, so the events exist exactly when the entry says processed.
   */
  async complete(
    claim: Claim,
    completion: Completion,
    extra: TransactItem[] = [],
  ): Promise<CompletionOutcome> {
    const { status, reason, result, at } = completion;
    const update: TransactItem = {
      Update: {
        TableName: this.db.table,
        Key: Keys.webhookEvent(claim.id),
        UpdateExpression: `SET #status = :status, gsi1pk = :list, processedAt = :at, #result = :result${reason ? ', #reason = :reason' : ''} REMOVE leaseUntil, #error, failedAt${reason ? '' : ', #reason'}`,
        ConditionExpression: '#status = :received AND attempts = :attempts',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#error': 'error',
          '#result': 'result',
          '#reason': 'reason',
        },
        ExpressionAttributeValues: {
          ':status': status,
          ':list': Keys.webhookEventsByStatusPartition(status),
          ':at': at,
          ':result': result,
          ':received': 'received',
          ':attempts': claim.attempts,
          ...(reason ? { ':reason': reason } : {}),
        },
      },
    };
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: [update, ...extra] }));
      return 'done';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'lease_lost';
      if (
        reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')
      ) {
        return 'conflict';
      }
      throw error;
    }
  }

  /** Marks the run failed, unless another run has claimed the entry since. */
  async markFailed(claim: Claim, error: string, at: string): Promise<void> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: Keys.webhookEvent(claim.id),
          UpdateExpression:
            'SET #status = :failed, gsi1pk = :list, #error = :error, failedAt = :at REMOVE leaseUntil',
          ConditionExpression: '#status = :received AND attempts = :attempts',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':list': Keys.webhookEventsByStatusPartition('failed'),
            ':error': error,
            ':at': at,
            ':received': 'received',
            ':attempts': claim.attempts,
          },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /** Entries of one status, newest first (`oldestFirst` for recovery), a page at a time. */
  async listByStatus(
    status: WebhookEventStatus,
    limit: number,
    cursor?: string,
    oldestFirst = false,
  ): Promise<WebhookEventPage> {
    const page = await queryGsiPage(this.db.doc, {
      table: this.db.table,
      partition: Keys.webhookEventsByStatusPartition(status),
      limit,
      cursor,
      ascending: oldestFirst,
    });
    return { entries: page.items.map(fromItem), nextCursor: page.nextCursor };
  }
}
