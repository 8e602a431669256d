import { PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { DynamoDatabase } from '../database/dynamo-database';
import { GSI1, Keys } from '../database/keys';
import type { TransactItem } from '../database/transact-item';
import type { AuditRecord } from './audit.model';

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  from: string;
  to: string;
  limit: number;
  cursor?: string;
}

const stripKeys = (item: Record<string, unknown>): AuditRecord => {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, expiresAt, ...record } = item;
  return record as unknown as AuditRecord;
};

@Injectable()
export class AuditRepository {
  constructor(private readonly db: DynamoDatabase) {}

  item(record: AuditRecord, expiresAt: number): Record<string, unknown> {
    return {
      ...Keys.auditRecord(record.entityType, record.entityId, record.at, record.id),
      ...Keys.auditTime(record.at, record.id),
      type: 'AuditRecord',
      ...record,
      expiresAt,
    };
  }

  /** The audit Put to add to the caller's own transaction. */
  putInTransaction(record: AuditRecord, expiresAt: number): TransactItem {
    return { Put: { TableName: this.db.table, Item: this.item(record, expiresAt) } };
  }

  async put(record: AuditRecord, expiresAt: number): Promise<void> {
    await this.db.doc.send(
      new PutCommand({ TableName: this.db.table, Item: this.item(record, expiresAt) }),
    );
  }

  /**
   * Newest first. With an entity: one partition, by time. Without: month partitions of the time
   * index, newest month first; the cursor (the last key read) says which month to resume in.
   */
  async query(q: AuditQuery): Promise<{ records: AuditRecord[]; nextCursor: string | null }> {
    if (q.entityType && q.entityId) {
      const pk = Keys.auditEntityPartition(q.entityType, q.entityId);
      const page = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': q.from, ':to': `${q.to}~` },
          ScanIndexForward: false,
          Limit: q.limit,
          ExclusiveStartKey: decodeCursor(q.cursor, { pk }),
        }),
      );
      return {
        records: (page.Items ?? []).map(stripKeys),
        nextCursor: encodeCursor(page.LastEvaluatedKey),
      };
    }

    const start = decodeCursor(q.cursor);
    if (start && !start.gsi1pk?.startsWith('AUDIT#')) return { records: [], nextCursor: null };
    let month = start ? start.gsi1pk.slice('AUDIT#'.length) : q.to.slice(0, 7);
    let startKey: Record<string, unknown> | undefined = start;
    const records: AuditRecord[] = [];
    const firstMonth = q.from.slice(0, 7);
    while (month >= firstMonth && records.length < q.limit) {
      const input: QueryCommandInput = {
        TableName: this.db.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': Keys.auditMonthPartition(month),
          ':from': q.from,
          ':to': `${q.to}~`,
        },
        ScanIndexForward: false,
        Limit: q.limit - records.length,
        ExclusiveStartKey: startKey,
      };
      if (q.entityType) {
        input.FilterExpression = 'entityType = :type';
        input.ExpressionAttributeValues![':type'] = q.entityType;
      }
      const page = await this.db.doc.send(new QueryCommand(input));
      records.push(...(page.Items ?? []).map(stripKeys));
      if (page.LastEvaluatedKey) {
        if (records.length >= q.limit) {
          return { records, nextCursor: encodeCursor(page.LastEvaluatedKey) };
        }
        startKey = page.LastEvaluatedKey;
        continue;
      }
      startKey = undefined;
      month = previousMonth(month);
    }
    // A full page may end exactly at a month boundary: resume at the start of the next month.
    const more = records.length >= q.limit && month >= firstMonth;
    const last = records[records.length - 1];
    return {
      records,
      nextCursor:
        more && last
          ? encodeCursor({
              ...Keys.auditRecord(last.entityType, last.entityId, last.at, last.id),
              ...Keys.auditTime(last.at, last.id),
            })
          : null,
    };
  }
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}
