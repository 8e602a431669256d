import { Injectable, Module } from '@nestjs/common';
import {
  type BillingEventFor,
  BillingEventSubscriber,
  BillingEventSubscriptions,
  type BillingEventType,
  OutboxRelay,
} from '../../src/events';
import type { TestApp } from './test-app';

/**
 * Credit-note requests through the API. Each call returns the supertest request, so a test can
 * `.expect(...)` what it needs.
 */
export class CreditNotesApi {
  constructor(private readonly t: TestApp) {}

  issue(invoiceId: string, body: Record<string, unknown>) {
    return this.t.http
      .post(`/v1/invoices/${invoiceId}/credit-notes`)
      .set(this.t.auth())
      .send({ reason: 'order_change', ...body });
  }

  preview(invoiceId: string, body: Record<string, unknown>) {
    return this.t.http
      .post(`/v1/invoices/${invoiceId}/credit-notes/preview`)
      .set(this.t.auth())
      .send({ reason: 'order_change', ...body });
  }

  get(creditNoteId: string) {
    return this.t.http.get(`/v1/credit-notes/${creditNoteId}`).set(this.t.auth('read'));
  }

  ofInvoice(invoiceId: string) {
    return this.t.http.get(`/v1/invoices/${invoiceId}/credit-notes`).set(this.t.auth('read'));
  }

  ofCustomer(customerId: string, query = '') {
    return this.t.http
      .get(`/v1/customers/${customerId}/credit-notes${query}`)
      .set(this.t.auth('read'));
  }

  void(creditNoteId: string, body: Record<string, unknown> = {}) {
    return this.t.http.post(`/v1/credit-notes/${creditNoteId}/void`).set(this.t.auth()).send(body);
  }

  invoice(invoiceId: string) {
    return this.t.http.get(`/v1/invoices/${invoiceId}`).set(this.t.auth('read'));
  }
}

const NOTE_EVENTS: BillingEventType[] = [
  'billing.credit_note.created',
  'billing.credit_note.voided',
  'billing.refund.processed',
  'billing.credits.granted',
  'billing.credits.voided',
  'billing.payment.processed',
];

/** Records the committed events of credit notes (an in-process subscriber: exactly what was stored). */
export function noteEventRecorder(received: BillingEventFor<BillingEventType>[]) {
  @Injectable()
  class CreditNoteEventRecorder extends BillingEventSubscriber {
    readonly name = 'credit-note-event-recorder';
    readonly eventTypes = NOTE_EVENTS;
    async handle(event: BillingEventFor<BillingEventType>) {
      received.push(event);
    }
  }
  @Module({ providers: [CreditNoteEventRecorder] })
  class CreditNoteEventRecorderModule {}
  return CreditNoteEventRecorderModule;
}

/** Every committed event handed to the subscribers (the provider mirror among them). */
export async function settleEvents(t: TestApp): Promise<void> {
  expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
  expect(await t.app.get(BillingEventSubscriptions).flush(20_000)).toBe(true);
}
