import { Injectable } from '@nestjs/common';
import { CustomerNotFound } from '../../customers/customer.errors';
import type { Customer } from '../../customers/customer.model';
import { CustomersService } from '../../customers/customers.service';
import {
  type ProviderCustomerLink,
  ProviderCustomersRepository,
} from '../provider-customers.repository';

export type CustomerResolution = { customer: Customer } | { reason: string };

/**
 * Finds which of our customers a Stripe object is about: `metadata.customerId` first (we put it
 * on every Stripe customer and invoice we create), else the Stripe customer id through the link
 * learnt from earlier events. Every verified pair of ids is remembered for the next event that
 * carries only `cus_…` (subscriptions, payment intents).
 */
@Injectable()
export class CustomerResolver {
  constructor(
    private readonly customers: CustomersService,
    private readonly links: ProviderCustomersRepository,
  ) {}

  async resolve(
    customerIdHint: string | undefined,
    stripeCustomerId: string | undefined,
  ): Promise<CustomerResolution> {
    if (customerIdHint) {
      const customer = await this.find(customerIdHint);
      if (!customer) return { reason: `customer ${customerIdHint} (metadata) does not exist` };
      if (stripeCustomerId) await this.links.link(stripeCustomerId, customer.id);
      return { customer };
    }
    if (!stripeCustomerId) return { reason: 'no metadata.customerId and no Stripe customer id' };
    const link = await this.links.get(stripeCustomerId);
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
    return this.links.link(stripeCustomerId, customerId);
  }

  link(stripeCustomerId: string): Promise<ProviderCustomerLink | undefined> {
    return this.links.get(stripeCustomerId);
  }

  markDeleted(stripeCustomerId: string, customerId: string, at: string): Promise<void> {
    return this.links.markDeleted(stripeCustomerId, customerId, at);
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
