import { Injectable } from '@nestjs/common';
import {
  InvalidInvoiceTransition,
  InvoiceNotFound,
  PeriodNotEnded,
} from '../../billing/invoice.errors';
import type { Invoice, ProviderInvoiceUpdate } from '../../billing/invoice.model';
import { InvoicesService } from '../../billing/invoices.service';
import { formatMoney, fromMinorUnits, isKnownCurrency } from '../../common/money';
import type { PaymentStanding } from '../../customers/billing-standing';
import { CustomersService } from '../../customers/customers.service';
import {
  type StripeEvent,
  type StripeObject,
  integerField,
  isoFromEpochSeconds,
  metadataOf,
  objectField,
  referencedId,
  stringField,
} from '../stripe-event';
import { CustomerResolver } from './customer-resolver';
import { type HandlerOutcome, describeStandingChange, ignored, processed } from './handler-outcome';

interface Target {
  invoice: Invoice;
  object: StripeObject;
}

/**
 * `invoice.*` events. Our invoice is found by `metadata.invoiceId` (set on every invoice we push)
 * and must be the one linked to that Stripe invoice. Whatever the order of events, state only
 * moves forward: an event that implies Stripe finalized the invoice first walks a draft of ours
 * through our own finalize (period closed, amounts frozen), then applies its own step;
 * `withProviderUpdate` drops steps the status machine does not allow from where we are.
 */
@Injectable()
export class InvoiceEventsHandler {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly customers: CustomersService,
    private readonly resolver: CustomerResolver,
  ) {}

  async finalized(event: StripeEvent): Promise<HandlerOutcome> {
    return this.withTarget(event, async ({ invoice }, changes) => {
      await this.walkToOpen(invoice, changes);
    });
  }

  async paid(event: StripeEvent): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (isProviderOwnInvoice(object)) return this.providerOwnInvoice(event, 'current');
    const amount = integerField(object, 'amount_paid');
    const currency = stringField(object, 'currency')?.toUpperCase();
    if (amount === undefined || amount < 0 || !currency || !isKnownCurrency(currency)) {
      return ignored('the Stripe invoice has no valid amount_paid and currency');
    }
    return this.withTarget(event, async ({ invoice }, changes) => {
      if (currency !== invoice.currency) {
        return ignored(`Stripe says ${currency}, invoice ${invoice.id} is in ${invoice.currency}`, {
          invoiceId: invoice.id,
          customerId: invoice.customerId,
        });
      }
      const opened = await this.walkToOpen(invoice, changes);
      const after = await this.apply(opened, changes, {
        status: 'paid',
        amountPaid: formatMoney(fromMinorUnits(BigInt(amount), currency), currency),
        paymentAttempts: integerField(object, 'attempt_count'),
        providerStatus: stringField(object, 'status'),
        at: transitionTime(event, 'paid_at'),
      });
      if (after.status === 'paid') {
        await this.standing(after.customerId, 'current', event, changes);
      }
    });
  }

  async paymentFailed(event: StripeEvent): Promise<HandlerOutcome> {
    if (isProviderOwnInvoice(event.data.object)) {
      return this.providerOwnInvoice(event, 'past_due');
    }
    return this.withTarget(event, async ({ invoice, object }, changes) => {
      const opened = await this.walkToOpen(invoice, changes);
      const after = await this.apply(opened, changes, {
        paymentAttempts: integerField(object, 'attempt_count'),
        at: isoFromEpochSeconds(event.created),
      });
      // Paid (or void) already: a failure reported late says nothing about the standing now.
      if (after.status === 'open' || after.status === 'uncollectible') {
        await this.standing(after.customerId, 'past_due', event, changes);
      }
    });
  }

  async voided(event: StripeEvent): Promise<HandlerOutcome> {
    return this.withTarget(event, async ({ invoice, object }, changes) => {
      await this.apply(invoice, changes, {
        status: 'void',
        providerStatus: stringField(object, 'status'),
        at: transitionTime(event, 'voided_at'),
      });
    });
  }

  async markedUncollectible(event: StripeEvent): Promise<HandlerOutcome> {
    return this.withTarget(event, async ({ invoice, object }, changes) => {
      const opened = await this.walkToOpen(invoice, changes);
      await this.apply(opened, changes, {
        status: 'uncollectible',
        providerStatus: stringField(object, 'status'),
        at: transitionTime(event, 'marked_uncollectible_at'),
      });
    });
  }

  /**
   * An invoice Stripe made itself (a subscription's, or one made in the dashboard): nothing of
   * ours to update, but its payment or failure is the payment standing of the customer it names.
   */
  private async providerOwnInvoice(
    event: StripeEvent,
    status: PaymentStanding,
  ): Promise<HandlerOutcome> {
    const object = event.data.object;
    const found = await this.resolver.resolve(
      metadataOf(object).customerId,
      referencedId(object, 'customer'),
    );
    if ('reason' in found) {
      return ignored(
        `the Stripe invoice has no metadata.invoiceId and no customer of ours: ${found.reason}`,
      );
    }
    const changes: string[] = [];
    await this.standing(found.customer.id, status, event, changes);
    return processed({ customerId: found.customer.id, changes });
  }

  /** Finds our invoice, runs `act`, and reports what changed; not ours → ignored. */
  private async withTarget(
    event: StripeEvent,
    act: (target: Target, changes: string[]) => Promise<HandlerOutcome | void>,
  ): Promise<HandlerOutcome> {
    const target = await this.target(event);
    if (!('invoice' in target)) return target;
    const { invoice } = target;
    const changes: string[] = [];
    let early: HandlerOutcome | void;
    try {
      early = await act(target, changes);
    } catch (error) {
      // We push invoices to Stripe only after their period ended, so Stripe cannot really be
      // reporting on a draft of a running period: not ours to act on (and not worth a retry).
      if (error instanceof PeriodNotEnded) {
        return ignored(`invoice ${invoice.id} is a draft of a period that has not ended`, {
          invoiceId: invoice.id,
          customerId: invoice.customerId,
        });
      }
      throw error;
    }
    return early ?? processed({ invoiceId: invoice.id, customerId: invoice.customerId, changes });
  }

  private async target(event: StripeEvent): Promise<Target | HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'invoice') return ignored('data.object is not an invoice');
    const metadata = metadataOf(object);
    const invoiceId = metadata.invoiceId;
    if (!invoiceId) return ignored('the Stripe invoice has no metadata.invoiceId: not one of ours');
    let invoice: Invoice;
    try {
      invoice = await this.invoices.get(invoiceId);
    } catch (error) {
      if (error instanceof InvoiceNotFound) {
        return ignored(`invoice ${invoiceId} does not exist`, { invoiceId });
      }
      throw error;
    }
    const ids = { invoiceId, customerId: invoice.customerId };
    if (metadata.customerId && metadata.customerId !== invoice.customerId) {
      return ignored(`metadata.customerId ${metadata.customerId} does not own ${invoiceId}`, ids);
    }
    const stripeInvoiceId = stringField(object, 'id');
    if (invoice.provider && stripeInvoiceId && invoice.provider.invoiceId !== stripeInvoiceId) {
      return ignored(
        `Stripe invoice ${stripeInvoiceId} is not the one linked to ${invoiceId} (${invoice.provider.invoiceId})`,
        ids,
      );
    }
    const stripeCustomerId = referencedId(object, 'customer');
    if (stripeCustomerId) await this.resolver.learn(stripeCustomerId, invoice.customerId);
    return { invoice, object };
  }

  /**
   * A draft of ours behind a Stripe invoice that is finalized: Stripe got our push but our own
   * finalize did not finish (or is finishing right now). Finishing it here is safe: the push is
   * idempotent and the status write is conditional; if someone else finished first, fine.
   */
  private async walkToOpen(invoice: Invoice, changes: string[]): Promise<Invoice> {
    if (invoice.status !== 'draft') return invoice;
    try {
      const finalized = await this.invoices.finalize(invoice.id);
      changes.push(`invoice ${invoice.id}: draft → ${finalized.status} (finalized)`);
      return finalized;
    } catch (error) {
      if (error instanceof InvalidInvoiceTransition) return this.invoices.get(invoice.id);
      throw error;
    }
  }

  private async apply(
    invoice: Invoice,
    changes: string[],
    update: ProviderInvoiceUpdate,
  ): Promise<Invoice> {
    const { invoice: after, changed } = await this.invoices.applyProviderUpdate(invoice.id, update);
    if (changed) changes.push(...describeInvoiceChange(invoice, after));
    return after;
  }

  /** The customer's payment standing as of the event (see billing-standing). */
  private async standing(
    customerId: string,
    status: PaymentStanding,
    event: StripeEvent,
    changes: string[],
  ): Promise<void> {
    const at = isoFromEpochSeconds(event.created);
    const { before, customer, changed } = await this.customers.applyBillingStatus(customerId, {
      kind: 'payment',
      status,
      at,
    });
    if (changed) {
      changes.push(
        `customer ${customerId}: payment ${status} as of ${at}`,
        ...describeStandingChange(before, customer),
      );
    }
  }
}

/** A Stripe invoice we did not push: it has none of our metadata. */
function isProviderOwnInvoice(object: StripeObject): boolean {
  return object.object === 'invoice' && !metadataOf(object).invoiceId;
}

/** When Stripe says the step happened (`status_transitions`), else when the event was created. */
function transitionTime(event: StripeEvent, field: string): string {
  const transitions = objectField(event.data.object, 'status_transitions') ?? {};
  return isoFromEpochSeconds(integerField(transitions, field) ?? event.created);
}

function describeInvoiceChange(before: Invoice, after: Invoice): string[] {
  const out: string[] = [];
  if (before.status !== after.status) {
    out.push(`invoice ${after.id}: ${before.status} → ${after.status}`);
  }
  if (before.paymentAttempts !== after.paymentAttempts) {
    out.push(`invoice ${after.id}: paymentAttempts ${after.paymentAttempts}`);
  }
  return out;
}
