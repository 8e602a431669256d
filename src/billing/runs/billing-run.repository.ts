import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { batchPutAll } from '../../database/batch-put';
import { DynamoDatabase } from '../../database/dynamo-database';
import { GSI1, Keys } from '../../database/keys';
import type { TransactItem } from '../../database/transact-item';
import type {
  BillingRun,
  BillingRunCounts,
  BillingRunFailure,
  BillingRunStatus,
  BillingRunTrigger,
  CustomerRunProgress,
} from './billing-run.model';

const RUN_TYPE = 'BillingRun';
const PROGRESS_TYPE = 'BillingRunCustomer';

/** Attribute names used in expressions; several are DynamoDB reserved words. */
const NAMES = {
  '#type': 'type',
  '#period': 'period',
  '#status': 'status',
  '#trigger': 'trigger',
  '#counts': 'counts',
  '#failures': 'failures',
};

/** Only the names an expression uses: DynamoDB rejects unused ones. */
function namesIn(...expressions: (string | undefined)[]): Record<string, string> {
  const text = expressions.join(' ');
  return Object.fromEntries(
    Object.entries(NAMES).filter(([placeholder]) => text.includes(placeholder)),
  );
}

/** The parts of an UpdateItem that differ between the writes a lease owner makes. */
interface OwnedUpdate {
  UpdateExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
}

export interface Checkpoint {
  counts: BillingRunCounts;
  failures: BillingRunFailure[];
  at: string;
}

function fromRunItem(item: Record<string, unknown>): BillingRun {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...run } = item;
  return run as unknown as BillingRun;
}

function fromProgressItem(item: Record<string, unknown>): CustomerRunProgress {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, type, period, ...progress } = item;
  return progress as unknown as CustomerRunProgress;
}

function conditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'))
  );
}

/**
 * Billing-run items: one summary per period (`BILLING_RUN#<period>` / `RUN`) that also holds the
 * lease, and one progress item per customer (`BILLING_RUN#<period>` / `CUSTOMER#<id>`). Every
 * write a pass makes to the summary is conditional on still owning the lease, so an instance
 * that lost it (paused past its expiry, taken over) can never overwrite the new owner's state.
 */
@Injectable()
export class BillingRunRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(period: string): Promise<BillingRun | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.billingRun(period),
        ConsistentRead: true,
      }),
    );
    return Item ? fromRunItem(Item) : undefined;
  }

  /**
   * Takes the period's lease for a new pass, creating the run on first use; undefined when a live
   * lease is held (by any instance, this one included). The run is listed as open until a pass
   * completes it without failures.
   */
  async acquire(
    period: string,
    owner: string,
    lease: { nowMs: number; untilMs: number; at: string; trigger: BillingRunTrigger },
  ): Promise<BillingRun | undefined> {
    try {
      const out = await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: Keys.billingRun(period),
          UpdateExpression:
            'SET #type = :type, #period = :period, #status = :running, #trigger = :trigger, ' +
            'leaseOwner = :owner, leaseUntil = :until, startedAt = :at, updatedAt = :at, ' +
            '#counts = if_not_exists(#counts, :zero), #failures = if_not_exists(#failures, :none), ' +
            'gsi1pk = :openPk, gsi1sk = :openSk ADD passes :one REMOVE finishedAt',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':type': RUN_TYPE,
            ':period': period,
            ':running': 'running' satisfies BillingRunStatus,
            ':trigger': lease.trigger,
            ':owner': owner,
            ':until': lease.untilMs,
            ':now': lease.nowMs,
            ':at': lease.at,
            ':zero': { customers: 0, invoiced: 0, failed: 0, skipped: 0 },
            ':none': [],
            ':openPk': Keys.billingRunOpen(period).gsi1pk,
            ':openSk': Keys.billingRunOpen(period).gsi1sk,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromRunItem(out.Attributes ?? {});
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Renews the lease and stores the pass's counts so far; false when `owner` lost the lease. */
  async checkpoint(
    period: string,
    owner: string,
    untilMs: number,
    checkpoint: Checkpoint,
  ): Promise<boolean> {
    return this.ownedUpdate(period, owner, {
      UpdateExpression:
        'SET leaseUntil = :until, #counts = :counts, #failures = :failures, updatedAt = :at',
      ExpressionAttributeValues: { ':until': untilMs, ...this.checkpointValues(checkpoint) },
    });
  }

  /**
   * Gives the lease back without finishing (shutdown): the run stays `running`, and the next
   * pass (any instance) may start at once instead of waiting for the lease to expire.
   */
  async release(period: string, owner: string, checkpoint: Checkpoint): Promise<boolean> {
    return this.ownedUpdate(period, owner, {
      UpdateExpression:
        'SET #counts = :counts, #failures = :failures, updatedAt = :at ' +
        'REMOVE leaseOwner, leaseUntil',
      ExpressionAttributeValues: this.checkpointValues(checkpoint),
    });
  }

  /**
   * Ends a pass: final status and counts, lease released. A completed run leaves the open list.
   * `periodClosed` (the outbox Put of `billing.period.closed`) is written in the same
   * transaction, and only if no earlier pass wrote it, so the event exists exactly once.
   */
  async finish(
    period: string,
    owner: string,
    status: BillingRunStatus,
    checkpoint: Checkpoint,
    periodClosed?: { extra: TransactItem[] },
  ): Promise<boolean> {
    const closing = periodClosed !== undefined;
    const update: OwnedUpdate = {
      UpdateExpression:
        'SET #status = :status, finishedAt = :at, #counts = :counts, #failures = :failures, ' +
        `updatedAt = :at${closing ? ', periodClosedAt = :at' : ''} ` +
        `REMOVE leaseOwner, leaseUntil${status === 'completed' ? ', gsi1pk, gsi1sk' : ''}`,
      ExpressionAttributeValues: { ':status': status, ...this.checkpointValues(checkpoint) },
    };
    if (!closing) return this.ownedUpdate(period, owner, update);
    try {
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.db.table,
                Key: Keys.billingRun(period),
                ...update,
                ConditionExpression: 'leaseOwner = :owner AND attribute_not_exists(periodClosedAt)',
                ExpressionAttributeNames: namesIn(update.UpdateExpression),
                ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':owner': owner },
              },
            },
            ...periodClosed.extra,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  /** Runs not completed yet, oldest period first (eventually consistent: the sweep re-checks). */
  async listOpen(): Promise<BillingRun[]> {
    const runs: BillingRun[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.table,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': Keys.billingRunOpenPartition },
          ExclusiveStartKey: start,
        }),
      );
      runs.push(...(page.Items ?? []).map(fromRunItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return runs;
  }

  /** Every customer's progress in the period's run: one query, a page per ~1 MB. */
  async getProgress(period: string): Promise<CustomerRunProgress[]> {
    const records: CustomerRunProgress[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': Keys.billingRunPartition(period),
            ':prefix': Keys.billingRunCustomerPrefix,
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      records.push(...(page.Items ?? []).map(fromProgressItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  /** Stores progress records (whole items, last writer wins), 25 per BatchWriteItem. */
  async putProgress(period: string, records: CustomerRunProgress[]): Promise<void> {
    await batchPutAll(
      this.db.doc,
      this.db.table,
      records.map((record) => ({
        ...Keys.billingRunCustomer(period, record.customerId),
        type: PROGRESS_TYPE,
        period,
        ...record,
      })),
    );
  }

  private checkpointValues(checkpoint: Checkpoint): Record<string, unknown> {
    return {
      ':counts': checkpoint.counts,
      ':failures': checkpoint.failures,
      ':at': checkpoint.at,
    };
  }

  private async ownedUpdate(period: string, owner: string, update: OwnedUpdate): Promise<boolean> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.table,
          Key: Keys.billingRun(period),
          ...update,
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeNames: namesIn(update.UpdateExpression),
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }
}
