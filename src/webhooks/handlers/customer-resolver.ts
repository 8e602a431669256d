import { Injectable } from '@nestjs/common';
import { CustomerNotFound } from '../../customers/customer.errors';
import type { Customer, ProviderCustomerRef } from '../../customers/customer.model';
import { STRIPE_PROVIDER } from '../../stripe';
import { CustomersService, type ProviderCustomerLink } from '../../customers/customers.service';

/** A Stripe customer id as a provider-neutral link. */
export const stripeRef = (stripeCustomerId: string): ProviderCustomerRef => ({
  provider: STRIPE_PROVIDER,
  id: stripeCustomerId,
});

/** The customer's Stripe customer id, if it is linked to one. */
export const stripeIdOf = (customer: Customer): string | undefined =>
  customer.providerCustomer?.provider === STRIPE_PROVIDER
    ? customer.providerCustomer.id
    : undefined;

export type CustomerResolution = { customer: Customer } | { reason: string };

/**
 * Finds which of our customers a Stripe object is about: `metadata.customerId` first (we put it
 * on every Stripe customer and invoice we create), else the Stripe customer id through the link
 * the customers module keeps (written when we create or attach the Stripe customer). Every
 * verified pair of ids is remembered too, for Stripe customers linked some other way.
 */
@Injectable()
export class CustomerResolver {
  constructor(private readonly customers: CustomersService) {}

  async resolve(
    customerIdHint: string | undefined,
    stripeCustomerId: string | undefined,
  ): Promise<CustomerResolution> {
    if (customerIdHint) {
      const customer = await this.find(customerIdHint);
      if (!customer) return { reason: `customer ${customerIdHint} (metadata) does not exist` };
      if (stripeCustomerId)
        await this.customers.learnProviderCustomer(stripeRef(stripeCustomerId), customer.id);
      return { customer };
    }
    if (!stripeCustomerId) return { reason: 'no metadata.customerId and no Stripe customer id' };
    const link = await this.customers.providerCustomerLink(stripeRef(stripeCustomerId));
    if (!link) {
      return {
        reason: `Stripe customer ${stripeCustomerId} is not linked to any of our customers`,
      };
    }
    const customer = await this.find(link.customerId);
    return customer ? { customer } : { reason: `customer ${link.customerId} does not exist` };
  }

  /** Remembers a pair of ids verified some other way (an invoice of ours names its customer). */
  learn(stripeCustomerId: string, customerId: string): Promise<void> {
    return this.customers.learnProviderCustomer(stripeRef(stripeCustomerId), customerId);
  }

  link(stripeCustomerId: string): Promise<ProviderCustomerLink | undefined> {
    return this.customers.providerCustomerLink(stripeRef(stripeCustomerId));
  }

  markDeleted(stripeCustomerId: string, customerId: string, at: string): Promise<void> {
    return this.customers.markProviderCustomerDeleted(stripeRef(stripeCustomerId), customerId, at);
  }

  private async find(customerId: string): Promise<Customer | undefined> {
    try {
      return await this.customers.get(customerId);
    } catch (error) {
      if (error instanceof CustomerNotFound) return undefined;
      throw error;
    }
  }
}
