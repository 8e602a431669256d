import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys } from '../database/keys';
import type { TransactItem } from '../database/transact-item';

export interface ProviderCustomerLink {
  stripeCustomerId: string;
  customerId: string;
  /** Set once Stripe reported the customer deleted; the link is kept to route late events. */
  deletedAt?: string;
}

const ITEM_TYPE = 'StripeCustomerLink';

/**
 * Stripe customer id → our customer id (`STRIPE_CUSTOMER#<cus id>` / `CUSTOMER`), for events that
 * name only the Stripe customer (subscriptions, payment intents, Stripe's own invoices). Written
 * with the customer's `stripeCustomerId` (one transaction), and from verified events that carry
 * both ids.
 */
@Injectable()
export class ProviderCustomerLinksRepository {
  constructor(private readonly db: DynamoDatabase) {}

  async get(stripeCustomerId: string): Promise<ProviderCustomerLink | undefined> {
    const { Item } = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.table,
        Key: Keys.stripeCustomer(stripeCustomerId),
        ConsistentRead: true,
      }),
    );
    return Item
      ? {
          stripeCustomerId,
          customerId: Item.customerId as string,
          ...(Item.deletedAt ? { deletedAt: Item.deletedAt as string } : {}),
        }
      : undefined;
  }

  /** Records the link; idempotent, and never clears `deletedAt`. */
  async link(stripeCustomerId: string, customerId: string): Promise<void> {
    await this.db.doc.send(new UpdateCommand(this.linkUpdate(stripeCustomerId, customerId)));
  }

  /** `link` as an action of a transaction (with the customer's own write). */
  linkInTransaction(stripeCustomerId: string, customerId: string): TransactItem {
    return { Update: this.linkUpdate(stripeCustomerId, customerId) };
  }

  private linkUpdate(stripeCustomerId: string, customerId: string) {
    return {
      TableName: this.db.table,
      Key: Keys.stripeCustomer(stripeCustomerId),
      UpdateExpression: 'SET customerId = :customerId, #type = :type',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':customerId': customerId, ':type': ITEM_TYPE },
    };
  }

  /** Remembers that Stripe deleted the customer, so a late `customer.updated` cannot relink it. */
  async markDeleted(stripeCustomerId: string, customerId: string, at: string): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.stripeCustomer(stripeCustomerId),
        UpdateExpression:
          'SET customerId = :customerId, #type = :type, deletedAt = if_not_exists(deletedAt, :at)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':customerId': customerId, ':type': ITEM_TYPE, ':at': at },
      }),
    );
  }
}
