import { Injectable } from '@nestjs/common';
import { InvoiceNotFound } from '../../billing/invoice.errors';
import { InvoicesService } from '../../billing/invoices.service';
import { formatMoney, fromMinorUnits, isKnownCurrency } from '../../common/money';
import { Clock } from '../../common/time/clock';
import { OutboxWriter } from '../../events';
import {
  type PaymentObservation,
  type PaymentRecord,
  type PaymentStatus,
  nextPaymentRecord,
} from '../payment-record.model';
import { PaymentRecordsRepository } from '../payment-records.repository';
import {
  type StripeEvent,
  integerField,
  isoFromEpochSeconds,
  metadataOf,
  objectField,
  referencedId,
  stringField,
} from '../stripe-event';
import { CustomerResolver } from './customer-resolver';
import { type HandlerOutcome, ignored, processed } from './handler-outcome';

/**
 * `payment_intent.succeeded` / `payment_intent.payment_failed`: a payment record, linked to our
 * customer and invoice when known, and `billing.payment.processed`. Both are written with the
 * inbox entry's completion, conditional on the record's revision read here, so two events of
 * one PaymentIntent racing each other are decided one after the other.
 */
@Injectable()
export class PaymentIntentEventsHandler {
  constructor(
    private readonly payments: PaymentRecordsRepository,
    private readonly invoices: InvoicesService,
    private readonly resolver: CustomerResolver,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
  ) {}

  succeeded(event: StripeEvent): Promise<HandlerOutcome> {
    return this.record(event, 'succeeded');
  }

  failed(event: StripeEvent): Promise<HandlerOutcome> {
    return this.record(event, 'failed');
  }

  private async record(event: StripeEvent, status: PaymentStatus): Promise<HandlerOutcome> {
    const object = event.data.object;
    if (object.object !== 'payment_intent') return ignored('data.object is not a payment intent');
    const id = stringField(object, 'id');
    const currency = stringField(object, 'currency')?.toUpperCase();
    const amount = integerField(object, 'amount');
    if (!id || !currency || !isKnownCurrency(currency) || amount === undefined) {
      return ignored('the payment intent has no valid id, amount and currency');
    }
    const metadata = metadataOf(object);
    const providerCustomerId = referencedId(object, 'customer');
    const found = await this.resolver.resolve(metadata.customerId, providerCustomerId);
    let customerId = 'customer' in found ? found.customer.id : undefined;
    const invoice = await this.invoiceOf(metadata.invoiceId, customerId);
    customerId ??= invoice?.customerId;
    if (!customerId) {
      const why = 'reason' in found ? `: ${found.reason}` : '';
      return ignored(`payment intent ${id} is not linked to any of our customers${why}`, {
        paymentId: id,
      });
    }
    const money = (minor: number) => formatMoney(fromMinorUnits(BigInt(minor), currency), currency);
    const error = objectField(object, 'last_payment_error') ?? {};
    const seen: PaymentObservation = {
      id,
      provider: 'stripe',
      status,
      amount: money(amount),
      amountReceived: money(integerField(object, 'amount_received') ?? 0),
      currency,
      customerId,
      invoiceId: invoice?.id,
      providerCustomerId,
      failureCode: status === 'failed' ? stringField(error, 'code') : undefined,
      failureMessage: status === 'failed' ? stringField(error, 'message') : undefined,
      eventId: event.id,
      eventAt: isoFromEpochSeconds(event.created),
    };
    const existing = await this.payments.get(id);
    const next = nextPaymentRecord(existing, seen, this.clock.now().toISOString());
    const result = { paymentId: id, customerId, invoiceId: invoice?.id };
    if (!next) return processed({ ...result, changes: [] });
    return processed(
      { ...result, changes: [`payment ${id}: ${existing?.status ?? 'new'} → ${next.status}`] },
      {
        writes: [this.payments.putInTransaction(next, existing?.revision)],
        events: [this.paymentProcessed(next, event)],
      },
    );
  }

  /** The invoice named in metadata, if it is ours (and the customer's, when that is known). */
  private async invoiceOf(
    invoiceId: string | undefined,
    customerId: string | undefined,
  ): Promise<{ id: string; customerId: string } | undefined> {
    if (!invoiceId) return undefined;
    try {
      const invoice = await this.invoices.get(invoiceId);
      if (customerId && invoice.customerId !== customerId) return undefined;
      return { id: invoice.id, customerId: invoice.customerId };
    } catch (error) {
      if (error instanceof InvoiceNotFound) return undefined;
      throw error;
    }
  }

  private paymentProcessed(record: PaymentRecord, event: StripeEvent) {
    return this.outbox.event(
      'billing.payment.processed',
      {
        paymentId: record.id,
        provider: record.provider,
        status: record.status,
        amount: record.amount,
        amountReceived: record.amountReceived,
        currency: record.currency,
        invoiceId: record.invoiceId ?? null,
        failureCode: record.failureCode ?? null,
        stripeEventId: event.id,
      },
      { customerId: record.customerId, occurredAt: record.lastEventAt },
    );
  }
}
