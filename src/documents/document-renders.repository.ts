import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import { transactIfFirstHolds } from '../database/transact';
import type { TransactItem } from '../database/transact-item';

const ITEM_TYPE = 'DocumentRender';

/** This module's keys (no other module reads them). */
export const DocumentKeys = {
  /** The render of one invoice for one event (its audit record is written with it). */
  render: (invoiceId: string, eventId: string): TableKey => ({
    pk: `DOCRENDER#${invoiceId}`,
    sk: `EVENT#${eventId}`,
  }),
};

export interface RenderRecord {
  invoiceId: string;
  eventId: string;
  sha256: string;
  bytes: number;
  renderedAt: string;
  /** Epoch seconds (TTL): kept as long as the audit record. */
  expiresAt: number;
}

/**
 * Which events' documents were rendered and audited (`DOCRENDER#<invoiceId>` /
 * `EVENT#<eventId>`): written once, in the transaction of the audit record, so a redelivered
 * event adds no second record.
 */
@Injectable()
export class DocumentRendersRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** False when this event's render was recorded before (nothing written then). */
  recordOnce(record: RenderRecord, extra: TransactItem[]): Promise<boolean> {
    return transactIfFirstHolds(this.db.doc, [
      {
        Put: {
          TableName: this.db.table,
          Item: {
            ...DocumentKeys.render(record.invoiceId, record.eventId),
            type: ITEM_TYPE,
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...extra,
    ]);
  }
}
