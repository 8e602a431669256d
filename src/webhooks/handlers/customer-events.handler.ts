import { Injectable } from '@nestjs/common';
import { CustomersService } from '../../customers/customers.service';
import {
  type StripeEvent,
  isoFromEpochSeconds,
  metadataOf,
  referencedId,
  stringField,
} from '../stripe-event';
import { CustomerResolver, stripeIdOf, stripeRef } from './customer-resolver';
import { type HandlerOutcome, describeStandingChange, ignored, processed } from './handler-outcome';

/**
 * `customer.*` events. Our customer record is the source of truth for email and name (changes
 * go through PATCH /v1/customers and are pushed to Stripe), so `customer.updated` does not copy
 * them back; it links the Stripe customer when ours has none yet (a create whose response was
 * lost). `customer.deleted` unlinks it, so the next invoice push creates a new Stripe customer.
 */
@Injectable()
export class CustomerEventsHandler {
  constructor(
    private readonly customers: CustomersService,
    private readonly resolver: CustomerResolver,
  ) {}

  /** `customer.created` and `customer.updated`. */
  async upserted(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'customer') return ignored('data.object is not a customer');
    const stripeCustomerId = stringField(object, 'id');
    const found = await this.resolver.resolve(metadataOf(object).customerId, stripeCustomerId);
    if ('reason' in found) return ignored(found.reason);
    const { customer } = found;
    const changes: string[] = [];
    const linkedId = stripeIdOf(customer);
    if (stripeCustomerId && !customer.providerCustomer) {
      // A late `customer.updated` of a Stripe customer deleted since must not link it again.
      const link = await this.resolver.link(stripeCustomerId);
      if (!link?.deletedAt) {
        await this.customers.attachProviderCustomer(customer.id, stripeRef(stripeCustomerId));
        changes.push(`customer ${customer.id}: linked to Stripe customer ${stripeCustomerId}`);
      }
    } else if (stripeCustomerId && linkedId !== stripeCustomerId) {
      return ignored(
        `customer ${customer.id} is linked to ${linkedId ? `Stripe customer ${linkedId}` : `a ${customer.providerCustomer?.provider} customer`}, not ${stripeCustomerId}`,
        { customerId: customer.id },
      );
    }
    return processed({ customerId: customer.id, changes });
  }

  async deleted(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'customer') return ignored('data.object is not a customer');
    const stripeCustomerId = stringField(object, 'id');
    if (!stripeCustomerId) return ignored('the deleted Stripe customer has no id');
    const found = await this.resolver.resolve(metadataOf(object).customerId, stripeCustomerId);
    if ('reason' in found) return ignored(found.reason);
    const { customer } = found;
    await this.resolver.markDeleted(
      stripeCustomerId,
      customer.id,
      isoFromEpochSeconds(event.created),
    );
    const { changed } = await this.customers.detachProviderCustomer(
      customer.id,
      stripeRef(stripeCustomerId),
    );
    return processed({
      customerId: customer.id,
      changes: changed
        ? [`customer ${customer.id}: unlinked from deleted Stripe customer ${stripeCustomerId}`]
        : [],
    });
  }

  /**
   * `customer.subscription.created|updated|deleted`: the subscription's status as of the event
   * (deleted, `canceled` or `incomplete_expired` → cancelled, any other status → active). The
   * customer is `cancelled` while every subscription it has is; see billing-standing.
   */
  async subscriptionChanged(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'subscription') return ignored('data.object is not a subscription');
    const subscriptionId = stringField(object, 'id');
    if (!subscriptionId) return ignored('the subscription has no id');
    const found = await this.resolver.resolve(
      metadataOf(object).customerId,
      referencedId(object, 'customer'),
    );
    if ('reason' in found) return ignored(found.reason);
    const customerId = found.customer.id;
    const ended =
      event.type === 'customer.subscription.deleted' ||
      ENDED_SUBSCRIPTION_STATUSES.has(stringField(object, 'status') ?? '');
    const status = ended ? 'cancelled' : 'active';
    const at = isoFromEpochSeconds(event.created);
    const { before, customer, changed } = await this.customers.applyBillingStatus(customerId, {
      kind: 'subscription',
      subscriptionId,
      status,
      at,
    });
    return processed({
      customerId,
      changes: changed
        ? [
            `customer ${customerId}: subscription ${subscriptionId} ${status} as of ${at}`,
            ...describeStandingChange(before, customer),
          ]
        : [],
    });
  }
}

/** Stripe subscription statuses after which it bills nothing more. */
const ENDED_SUBSCRIPTION_STATUSES = new Set(['canceled', 'incomplete_expired']);
