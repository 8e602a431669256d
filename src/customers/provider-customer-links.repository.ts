import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys } from '../database/keys';
import type { TransactItem } from '../database/transact-item';
import type { ProviderCustomerRef } from './customer.model';

export interface ProviderCustomerLink {
  provider: string;
  providerCustomerId: string;
  customerId: string;
  /** Set once the provider reported the customer deleted; kept to route late events. */
  deletedAt?: string;
}

const ITEM_TYPE = 'ProviderCustomerLink';

/**
 * A payment provider's customer id → our customer id (`STRIPE_CUSTOMER#<cus id>` / `CUSTOMER` for
 * Stripe), for events that name only the provider's customer (subscriptions, payment intents,
 * the provider's own invoices). Written with the customer's `providerCustomer` (one
 * transaction), and from verified events that carry both ids.
 */
@Injectable()
export class ProviderCustomerLinksRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(ref: ProviderCustomerRef): Promise<ProviderCustomerLink | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.providerCustomer(ref.provider, ref.id),
        ConsistentRead: true,
      }),
    );
    return Item
      ? {
          provider: ref.provider,
          providerCustomerId: ref.id,
          customerId: Item.customerId as string,
          ...(Item.deletedAt ? { deletedAt: Item.deletedAt as string } : {}),
        }
      : undefined;
  }

  /** Records the link; idempotent, and never clears `deletedAt`. */
  async link(ref: ProviderCustomerRef, customerId: string): Promise<void> {
    await this.db.doc.send(new UpdateCommand(this.linkUpdate(ref, customerId)));
  }

  /** `link` as an action of a transaction (with the customer's own write). */
  linkInTransaction(ref: ProviderCustomerRef, customerId: string): TransactItem {
    return { Update: this.linkUpdate(ref, customerId) };
  }

  private linkUpdate(ref: ProviderCustomerRef, customerId: string) {
    return {
      TableName: this.db.table,
      Key: Keys.providerCustomer(ref.provider, ref.id),
      UpdateExpression: 'SET customerId = :customerId, #type = :type, provider = :provider',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':customerId': customerId,
        ':type': ITEM_TYPE,
        ':provider': ref.provider,
      },
    };
  }

  /** Remembers that the provider deleted the customer, so a late update cannot relink it. */
  async markDeleted(ref: ProviderCustomerRef, customerId: string, at: string): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.providerCustomer(ref.provider, ref.id),
        UpdateExpression:
          'SET customerId = :customerId, #type = :type, provider = :provider, deletedAt = if_not_exists(deletedAt, :at)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':customerId': customerId,
          ':type': ITEM_TYPE,
          ':provider': ref.provider,
          ':at': at,
        },
      }),
    );
  }
}
