import { Injectable } from '@nestjs/common';
import type { StripeEvent } from '../stripe-event';
import { CreditNoteEventsHandler } from './credit-note-events.handler';
import { CustomerEventsHandler } from './customer-events.handler';
import { type HandlerOutcome, type StripeEventHandler, ignored } from './handler-outcome';
import { InvoiceEventsHandler } from './invoice-events.handler';
import { PaymentIntentEventsHandler } from './payment-intent-events.handler';

/** Routes an event to its handler by type; every other type is acknowledged and ignored. */
@Injectable()
export class StripeEventHandlers {
  private readonly routes: ReadonlyMap<string, StripeEventHandler>;

  constructor(
    invoices: InvoiceEventsHandler,
    customers: CustomerEventsHandler,
    payments: PaymentIntentEventsHandler,
    creditNotes: CreditNoteEventsHandler,
  ) {
    this.routes = new Map<string, StripeEventHandler>([
      ['invoice.finalized', (e) => invoices.finalized(e)],
      // Stripe sends both for one payment (`payment_succeeded` only when it collected the
      // money itself); the second changes nothing.
      ['invoice.paid', (e) => invoices.paid(e)],
      ['invoice.payment_succeeded', (e) => invoices.paid(e)],
      ['invoice.payment_failed', (e) => invoices.paymentFailed(e)],
      ['invoice.voided', (e) => invoices.voided(e)],
      ['invoice.marked_uncollectible', (e) => invoices.markedUncollectible(e)],
      ['customer.created', (e) => customers.upserted(e)],
      ['customer.updated', (e) => customers.upserted(e)],
      ['customer.deleted', (e) => customers.deleted(e)],
      ['customer.subscription.created', (e) => customers.subscriptionChanged(e)],
      ['customer.subscription.updated', (e) => customers.subscriptionChanged(e)],
      ['customer.subscription.deleted', (e) => customers.subscriptionChanged(e)],
      ['payment_intent.succeeded', (e) => payments.succeeded(e)],
      ['payment_intent.payment_failed', (e) => payments.failed(e)],
      ['credit_note.created', (e) => creditNotes.creditNote(e)],
      ['credit_note.updated', (e) => creditNotes.creditNote(e)],
      ['credit_note.voided', (e) => creditNotes.creditNote(e)],
      ['refund.created', (e) => creditNotes.refund(e)],
      ['refund.updated', (e) => creditNotes.refund(e)],
      ['refund.failed', (e) => creditNotes.refund(e)],
      ['charge.refund.updated', (e) => creditNotes.refund(e)],
      ['charge.refunded', (e) => creditNotes.chargeRefunded(e)],
    ]);
  }

  handle(event: StripeEvent): Promise<HandlerOutcome> {
    const handler = this.routes.get(event.type);
    return handler
      ? handler(event)
      : Promise.resolve(ignored(`event type ${event.type} is not handled`));
  }
}
