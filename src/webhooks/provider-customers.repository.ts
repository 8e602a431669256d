import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { DynamoDatabase } from '../database/dynamo-database';
import { Keys } from '../database/keys';

export interface ProviderCustomerLink {
  stripeCustomerId: string;
  customerId: string;
  /** Set once Stripe reported the customer deleted; the link is kept to route late events. */
  deletedAt?: string;
}

/**
 * Stripe customer id → our customer id (`STRIPE_CUSTOMER#<cus id>` / `CUSTOMER`), for events that
 * name only the Stripe customer (subscriptions, payment intents). Learnt from verified events
 * that carry both ids (customer and invoice events carry `metadata.customerId`).
 */
@Injectable()
export class ProviderCustomersRepository {
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
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.table,
        Key: Keys.stripeCustomer(stripeCustomerId),
        UpdateExpression: 'SET customerId = :customerId, #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':customerId': customerId, ':type': 'StripeCustomerLink' },
      }),
    );
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
        ExpressionAttributeValues: {
          ':customerId': customerId,
          ':type': 'StripeCustomerLink',
          ':at': at,
        },
      }),
    );
  }
}
