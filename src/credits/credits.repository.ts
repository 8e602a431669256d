import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { InvalidCursor } from '../common/errors/domain-error';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { DynamoDatabase } from '../database/dynamo-database';
import { GSI1, type Gsi1Key, type TableKey } from '../database/keys';
import { queryAll } from '../database/query-all';
import type { TransactItem } from '../database/transact-item';
import {
  type AppliedCredits,
  type CreditBalance,
  type CreditGrant,
  type LedgerEntry,
  awaitsWriteOff,
  usableUntil,
} from './credit.model';

/**
 * This module's keys (beside, not in, the shared key list: no other module reads them). Every
 * record of a customer's credits shares one partition, so a grant, the balance and the ledger
 * entry of one change are read with one query and written in one transaction.
 */
export const CreditKeys = {
  partition: (customerId: string) => `CREDITS#${customerId}`,
  grant: (customerId: string, grantId: string): TableKey => ({
    pk: CreditKeys.partition(customerId),
    sk: `GRANT#${grantId}`,
  }),
  grantPrefix: 'GRANT#',
  balance: (customerId: string): TableKey => ({
    pk: CreditKeys.partition(customerId),
    sk: 'BALANCE',
  }),
  /** Zero-padded so that string order is the order of the entries. */
  ledgerEntry: (customerId: string, seq: number): TableKey => ({
    pk: CreditKeys.partition(customerId),
    sk: `LEDGER#${String(seq).padStart(12, '0')}`,
  }),
  ledgerPrefix: 'LEDGER#',
  applied: (customerId: string, invoiceId: string): TableKey => ({
    pk: CreditKeys.partition(customerId),
    sk: `APPLIED#${invoiceId}`,
  }),
  /**
   * Grants whose remainder must still be written off, by the end of the last period they were in
   * force in (sparse: only while `awaitsWriteOff`).
   */
  expiry: (until: Date, customerId: string, grantId: string): Gsi1Key => ({
    gsi1pk: CreditKeys.expiryPartition,
    gsi1sk: `${until.toISOString()}#${customerId}#${grantId}`,
  }),
  expiryPartition: 'CREDIT_EXPIRY',
};

const TYPES = {
  grant: 'CreditGrant',
  balance: 'CreditBalance',
  entry: 'CreditLedgerEntry',
  applied: 'CreditsApplied',
};

/** One ledger change as stored: every record it writes, each conditioned on what was read. */
export interface CreditsWrite {
  customerId: string;
  /** Without `expectedRevision` the grant must be new. */
  grants: { grant: CreditGrant; expectedRevision?: number }[];
  /** Without `expectedSeq` the balance must be new (the customer's first grant). */
  balance: { record: CreditBalance; expectedSeq?: number };
  entries: LedgerEntry[];
  /** `new`: the invoice's first application; `reverse`: marks an unreversed one reversed. */
  applied?: { record: AppliedCredits; expect: 'new' | 'unreversed' };
}

/** The grants and the balance of one customer, read together. */
export interface CreditState {
  grants: CreditGrant[];
  balance: CreditBalance | undefined;
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { pk, sk, gsi1pk, gsi1sk, type, ...rest } = item;
  return rest;
}

@Injectable()
export class CreditsRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async getGrant(customerId: string, grantId: string): Promise<CreditGrant | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: CreditKeys.grant(customerId, grantId),
        ConsistentRead: true,
      }),
    );
    return Item ? (strip(Item) as unknown as CreditGrant) : undefined;
  }

  /**
   * Every grant and the balance, in one consistent query: `BALANCE` and `GRANT#…` are adjacent
   * in sort order (between `APPLIED#…` and `LEDGER#…`).
   */
  async getState(customerId: string): Promise<CreditState> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': CreditKeys.partition(customerId),
        ':from': 'BALANCE',
        // '$' follows '#': every GRANT#… key sorts before it.
        ':to': 'GRANT$',
      },
      ConsistentRead: true,
    });
    const state: CreditState = { grants: [], balance: undefined };
    for (const item of items) {
      if (item.type === TYPES.balance) state.balance = strip(item) as unknown as CreditBalance;
      else if (item.type === TYPES.grant) state.grants.push(strip(item) as unknown as CreditGrant);
    }
    return state;
  }

  async getApplied(customerId: string, invoiceId: string): Promise<AppliedCredits | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: CreditKeys.applied(customerId, invoiceId),
        ConsistentRead: true,
      }),
    );
    return Item ? (strip(Item) as unknown as AppliedCredits) : undefined;
  }

  /** A customer's ledger, newest entry first, a page at a time. */
  async listLedger(
    customerId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ entries: LedgerEntry[]; nextCursor: string | null }> {
    const pk = CreditKeys.partition(customerId);
    const start = decodeCursor(cursor, { pk });
    // A key of this partition outside the ledger (a grant list's cursor) is no ledger cursor.
    if (start && !start.sk?.startsWith(CreditKeys.ledgerPrefix)) throw new InvalidCursor();
    const page = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': CreditKeys.ledgerPrefix },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start && { pk: start.pk, sk: start.sk },
        ConsistentRead: true,
      }),
    );
    return {
      entries: (page.Items ?? []).map((item) => {
        const { entryType, ...entry } = strip(item);
        return { ...entry, type: entryType } as unknown as LedgerEntry;
      }),
      nextCursor: encodeCursor(page.LastEvaluatedKey),
    };
  }

  /**
   * A page of grants (of any customer) whose last period ended at or before `until`, oldest
   * first: those the expiry sweep may write off. Eventually consistent (the index); the write
   * that follows re-reads the grant and is conditional.
   */
  async listAwaitingWriteOff(
    until: Date,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<{
    grants: { customerId: string; grantId: string }[];
    nextKey?: Record<string, unknown>;
  }> {
    const page = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
        ExpressionAttributeValues: {
          ':pk': CreditKeys.expiryPartition,
          // Sort keys start `<ISO instant>#`; '$' follows '#', so this takes every instant ≤ until.
          ':before': `${until.toISOString()}$`,
        },
        ProjectionExpression: 'customerId, grantId',
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return {
      grants: (page.Items ?? []).map((item) => ({
        customerId: item.customerId as string,
        grantId: item.grantId as string,
      })),
      nextKey: page.LastEvaluatedKey,
    };
  }

  /** The transaction items of one ledger change (see CreditsWrite). */
  itemsFor(write: CreditsWrite): TransactItem[] {
    const table = this.db.table;
    const items: TransactItem[] = write.grants.map(({ grant, expectedRevision }) => {
      const until = usableUntil(grant);
      return {
        Put: {
          TableName: table,
          Item: {
            ...CreditKeys.grant(grant.customerId, grant.grantId),
            // Put replaces the item, so a grant that no longer awaits write-off leaves the index.
            ...(awaitsWriteOff(grant) && until
              ? CreditKeys.expiry(until, grant.customerId, grant.grantId)
              : {}),
            type: TYPES.grant,
            ...grant,
          },
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'revision = :revision',
                ExpressionAttributeValues: { ':revision': expectedRevision },
              }),
        },
      };
    });
    const { record, expectedSeq } = write.balance;
    items.push({
      Put: {
        TableName: table,
        Item: { ...CreditKeys.balance(write.customerId), type: TYPES.balance, ...record },
        ...(expectedSeq === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'seq = :seq',
              ExpressionAttributeValues: { ':seq': expectedSeq },
            }),
      },
    });
    for (const { type: entryType, ...entry } of write.entries) {
      items.push({
        Put: {
          TableName: table,
          // `type` names the kind of item in this table, so the entry's own type is `entryType`.
          Item: {
            ...CreditKeys.ledgerEntry(write.customerId, entry.seq),
            type: TYPES.entry,
            entryType,
            ...entry,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (write.applied) {
      const { record: applied, expect } = write.applied;
      items.push({
        Put: {
          TableName: table,
          Item: {
            ...CreditKeys.applied(write.customerId, applied.invoiceId),
            type: TYPES.applied,
            ...applied,
          },
          ConditionExpression:
            expect === 'new'
              ? 'attribute_not_exists(pk)'
              : 'attribute_exists(pk) AND attribute_not_exists(reversedAt)',
        },
      });
    }
    return items;
  }

  /**
   * Writes one ledger change with `extra` items (audit, outbox) in one transaction. False when a
   * condition failed or a concurrent transaction on the same items got in the way: nothing was
   * written, and the caller reads again. Any other failure is thrown.
   */
  async write(write: CreditsWrite, extra: TransactItem[]): Promise<boolean> {
    try {
      await this.db.doc.send(
        new TransactWriteCommand({ TransactItems: [...this.itemsFor(write), ...extra] }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some(
          (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
        )
      ) {
        return false;
      }
      throw error;
    }
  }
}
