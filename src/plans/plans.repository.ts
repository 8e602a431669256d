import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { queryAll } from '../database/query-all';
import type { TransactItem } from '../database/transact-item';
import { GSI1, Keys } from '../database/keys';
import type { PlanVersion } from './plan.model';

interface PlanVersionItem extends PlanVersion {
  pk: string;
  sk: string;
}

const toVersion = (item: Record<string, unknown>): PlanVersion => {
  const { planId, version, effectiveFrom, createdAt, document } =
    item as unknown as PlanVersionItem;
  return { planId, version, effectiveFrom, createdAt, document };
};

@Injectable()
export class PlansRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /**
   * Writes a version and moves the plan's head to it, atomically. Returns false when that version
   * already exists (another instance or request wrote it first); nothing is overwritten.
   */
  async putVersionIfAbsent(version: PlanVersion, extra: TransactItem[] = []): Promise<boolean> {
    const { planId } = version;
    try {
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.db.table,
                Item: {
                  ...Keys.planVersion(planId, version.version),
                  type: 'PlanVersion',
                  ...version,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.db.table,
                Key: Keys.planHead(planId),
                UpdateExpression:
                  'SET #type = :type, planId = :planId, latestVersion = :v, updatedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk',
                ConditionExpression: 'attribute_not_exists(pk) OR latestVersion < :v',
                ExpressionAttributeNames: { '#type': 'type' },
                ExpressionAttributeValues: {
                  ':type': 'PlanHead',
                  ':planId': planId,
                  ':v': version.version,
                  ':now': version.createdAt,
                  ':gpk': Keys.planList(planId).gsi1pk,
                  ':gsk': Keys.planList(planId).gsi1sk,
                },
              },
            },
            ...extra,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  async getLatestVersionNumber(planId: string): Promise<number | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.planHead(planId),
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.latestVersion as number) : undefined;
  }

  async getVersion(planId: string, version: number): Promise<PlanVersion | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({ TableName: this.db.table, Key: Keys.planVersion(planId, version) }),
    );
    return Item ? toVersion(Item) : undefined;
  }

  /** Every version of a plan, oldest first. Plans have few versions, so one paginated query. */
  async listVersions(planId: string): Promise<PlanVersion[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': Keys.planHead(planId).pk,
        ':prefix': Keys.planVersionPrefix,
      },
    });
    const versions: PlanVersion[] = items.map(toVersion);
    return versions;
  }

  /** Ids of all plans, ordered by id. */
  async listPlanIds(): Promise<string[]> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.planListPartition },
      ProjectionExpression: 'planId',
    });
    const ids: string[] = items.map((i) => i.planId as string);
    return ids;
  }
}
