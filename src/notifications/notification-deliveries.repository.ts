import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import type { TableKey } from '../database/keys';
import { queryAll } from '../database/query-all';

const ITEM_TYPE = 'NotificationDelivery';

/**
 * This module's keys (beside, not in, the shared key list: no other module reads them). The
 * receiver is keyed by a hash of its URL, so a URL that carries a token is never stored.
 */
export const NotificationKeys = {
  /** One event accepted (2xx) by one receiver. */
  delivery: (eventId: string, url: string): TableKey => ({
    pk: NotificationKeys.deliveryPartition(eventId),
    sk: `URL#${NotificationKeys.receiver(url)}`,
  }),
  deliveryPartition: (eventId: string) => `NOTIFY#${eventId}`,
  receiver: (url: string) => createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 32),
};

export interface DeliveryRecord {
  eventType: string;
  /** The receiver's host, for whoever reads the table; the URL itself is not kept. */
  host: string;
  status: number;
  deliveredAt: string;
  /** Epoch seconds (TTL). */
  expiresAt: number;
}

/**
 * Which receivers accepted which event (`NOTIFY#<eventId>` / `URL#<hash of the URL>`): written
 * after a 2xx, read before sending, so a redelivered event is not sent again to a receiver that
 * already took it.
 */
@Injectable()
export class NotificationDeliveriesRepository {
  constructor(private readonly db: DynamoDatabase) {}

  /** The URLs among `urls` that accepted `eventId` (one consistent read of its partition). */
  async listDelivered(eventId: string, urls: readonly string[]): Promise<Set<string>> {
    const items = await queryAll(this.db.doc, {
      TableName: this.db.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': NotificationKeys.deliveryPartition(eventId) },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    const recorded = new Set(items.map((item) => item.sk as string));
    return new Set(urls.filter((url) => recorded.has(NotificationKeys.delivery(eventId, url).sk)));
  }

  async putDelivered(eventId: string, url: string, record: DeliveryRecord): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.table,
        Item: {
          ...NotificationKeys.delivery(eventId, url),
          type: ITEM_TYPE,
          eventId,
          ...record,
        },
      }),
    );
  }
}
