import type { BillingEventOf, BillingEventType } from '../events';
import { notificationMessage, notificationText } from './notification-message';

type AnyEvent = BillingEventOf<BillingEventType>;

const envelope = {
  eventId: '3f1c2a4e-0000-4000-8000-000000000001',
  occurredAt: '2026-12-01T00:10:00.000Z',
  customerId: 'acme',
};

const invoice = {
  invoiceId: 'inv_acme_2026-11',
  number: 'INV-202611-000001',
  period: '2026-11',
  status: 'open',
  currency: 'USD',
  total: '12.34',
  amountDue: '12.34',
  providerInvoiceId: null,
};

const payment = {
  paymentId: 'pi_123',
  provider: 'stripe',
  status: 'succeeded',
  amount: '12.34',
  amountReceived: '12.34',
  currency: 'USD',
  invoiceId: 'inv_acme_2026-11',
  failureCode: null,
  stripeEventId: 'evt_1',
};

describe('notification text', () => {
  it.each<[string, AnyEvent, string]>([
    [
      'a finalized invoice',
      { ...envelope, type: 'billing.invoice.finalized', data: invoice },
      'Invoice INV-202611-000001 finalized for acme: 12.34 USD',
    ],
    [
      'an invoice without a number yet',
      { ...envelope, type: 'billing.invoice.finalized', data: { ...invoice, number: null } },
      'Invoice inv_acme_2026-11 finalized for acme: 12.34 USD',
    ],
    [
      'an invoice paid',
      { ...envelope, type: 'billing.payment.processed', data: { ...invoice, status: 'paid' } },
      'Invoice INV-202611-000001 paid by acme: 12.34 USD',
    ],
    [
      'a payment received',
      { ...envelope, type: 'billing.payment.processed', data: payment },
      'Payment of 12.34 USD received from acme for invoice inv_acme_2026-11 (payment pi_123)',
    ],
    [
      'a failed payment',
      {
        ...envelope,
        type: 'billing.payment.processed',
        data: {
          ...payment,
          status: 'failed',
          amountReceived: '0.00',
          failureCode: 'card_declined',
        },
      },
      'PAYMENT FAILED: 12.34 USD from acme for invoice inv_acme_2026-11, payment pi_123 (card_declined)',
    ],
    [
      'a closed period',
      {
        ...envelope,
        customerId: undefined,
        type: 'billing.period.closed',
        data: {
          period: '2026-11',
          customers: 12,
          invoiced: 10,
          skipped: 2,
          passes: 1,
          startedAt: '2026-12-01T00:05:00.000Z',
          finishedAt: '2026-12-01T00:06:00.000Z',
        },
      },
      'Billing period 2026-11 closed: 10 of 12 customers invoiced, 2 skipped',
    ],
    [
      'a new customer',
      {
        ...envelope,
        type: 'billing.customer.created',
        data: { planId: 'free', currency: 'USD', status: 'active' },
      },
      'Customer acme created on plan free (USD)',
    ],
    [
      'a usage event amended in an invoiced period',
      {
        ...envelope,
        type: 'billing.usage.corrected',
        data: {
          usageEventId: 'req-7f3a',
          correction: 'amend',
          seq: 1,
          endpoint: '/api/export',
          previousQuantity: '25',
          quantity: '2.5',
          delta: '-22.5',
          timestamp: '2026-11-24T10:00:00.000Z',
          period: '2026-11',
          periodClosed: true,
          reason: 'dispute',
        },
      },
      'Usage event req-7f3a of acme on /api/export amended from 25 to 2.5 (invoiced period 2026-11: adjustment pending): dispute',
    ],
    [
      'a usage event voided',
      {
        ...envelope,
        type: 'billing.usage.corrected',
        data: {
          usageEventId: 'req-7f3a',
          correction: 'void',
          seq: 2,
          endpoint: '/api/export',
          previousQuantity: '2.5',
          quantity: '0',
          delta: '-2.5',
          timestamp: '2026-12-02T10:00:00.000Z',
          period: '2026-12',
          periodClosed: false,
          reason: 'sent twice',
        },
      },
      'Usage event req-7f3a of acme on /api/export voided: sent twice',
    ],
  ])('describes %s in one line', (_name, event, text) => {
    expect(notificationText(event)).toBe(text);
  });

  it('makes a failure stand out from a success', () => {
    const failed = notificationText({
      ...envelope,
      type: 'billing.payment.processed',
      data: { ...payment, status: 'failed', failureCode: null },
    });
    expect(failed).toMatch(/^PAYMENT FAILED: /);
    expect(
      notificationText({ ...envelope, type: 'billing.payment.processed', data: payment }),
    ).not.toMatch(/FAIL/i);
  });

  it('carries the event exactly as published beside the text', () => {
    const event: AnyEvent = { ...envelope, type: 'billing.invoice.finalized', data: invoice };
    const message = JSON.parse(JSON.stringify(notificationMessage(event)));
    expect(message).toEqual({
      text: 'Invoice INV-202611-000001 finalized for acme: 12.34 USD',
      event,
    });
  });
});
