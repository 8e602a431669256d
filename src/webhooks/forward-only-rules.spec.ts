import { type Invoice, withProviderUpdate } from '../billing/invoice.model';
import { withStandingReport } from '../customers/billing-standing';
import type { Customer } from '../customers/customer.model';
import { type PaymentObservation, nextPaymentRecord } from './payment-record.model';

/**
 * The rules that make webhook handling order-independent. They live with their entities
 * (customer, invoice, payment record); they are tested here, where the orderings come from.
 */
describe('withStandingReport', () => {
  const customer = (over: Partial<Customer> = {}) =>
    ({ id: 'c', billingStatus: 'active', ...over }) as Customer;
  const T1 = '2026-04-01T00:00:01.000Z';
  const T2 = '2026-04-01T00:00:02.000Z';
  const payment = (status: 'current' | 'past_due', at: string) =>
    ({ kind: 'payment', status, at }) as const;
  const subscription = (status: 'active' | 'cancelled', at: string, subscriptionId = 'sub_1') =>
    ({ kind: 'subscription', subscriptionId, status, at }) as const;

  it('applies newer reports and records their time even when the standing is unchanged', () => {
    expect(withStandingReport(customer(), payment('current', T1))).toMatchObject({
      billingStatus: 'active',
      paymentStanding: { status: 'current', at: T1 },
    });
    const paid = customer({ paymentStanding: { status: 'current', at: T1 } });
    expect(withStandingReport(paid, payment('past_due', T2))).toMatchObject({
      billingStatus: 'past_due',
      paymentStanding: { status: 'past_due', at: T2 },
    });
  });

  it('ignores older reports', () => {
    const paidLater = customer({ paymentStanding: { status: 'current', at: T2 } });
    expect(withStandingReport(paidLater, payment('past_due', T1))).toBeUndefined();
  });

  it('breaks same-second ties: a payment outranks a failure, a cancellation a renewal', () => {
    const failed = customer({
      billingStatus: 'past_due',
      paymentStanding: { status: 'past_due', at: T1 },
    });
    expect(withStandingReport(failed, payment('current', T1))?.billingStatus).toBe('active');
    const paid = customer({ paymentStanding: { status: 'current', at: T1 } });
    expect(withStandingReport(paid, payment('past_due', T1))).toBeUndefined();
    expect(withStandingReport(paid, payment('current', T1))).toBeUndefined();
    const cancelled = customer({
      billingStatus: 'cancelled',
      subscriptions: { sub_1: { status: 'cancelled', at: T1 } },
    });
    expect(withStandingReport(cancelled, subscription('active', T1))).toBeUndefined();
  });

  it('keeps a cancellation against later payment reports and older subscription reports', () => {
    const cancelled = customer({
      billingStatus: 'cancelled',
      subscriptions: { sub_1: { status: 'cancelled', at: T2 } },
    });
    expect(withStandingReport(cancelled, payment('current', T2))?.billingStatus).toBe('cancelled');
    expect(withStandingReport(cancelled, subscription('active', T1))).toBeUndefined();
  });

  it('lifts a cancellation with a newer report of a live subscription', () => {
    const cancelled = customer({
      billingStatus: 'cancelled',
      subscriptions: { sub_1: { status: 'cancelled', at: T1 } },
    });
    expect(withStandingReport(cancelled, subscription('active', T2, 'sub_2'))?.billingStatus).toBe(
      'active',
    );
  });
});

describe('withProviderUpdate', () => {
  const invoice = (over: Partial<Invoice> = {}) =>
    ({
      id: 'inv',
      status: 'open',
      total: '10.00',
      credits: '0.00',
      amountDue: '10.00',
      amountPaid: '0',
      paymentAttempts: 0,
      provider: { invoiceId: 'in_1', number: null, hostedUrl: null, status: 'open' },
      ...over,
    }) as Invoice;
  const at = '2026-04-01T00:00:00.000Z';

  it('pays an open invoice with the amount, time, attempts and provider status', () => {
    expect(
      withProviderUpdate(invoice(), {
        status: 'paid',
        amountPaid: '10.00',
        paymentAttempts: 2,
        providerStatus: 'paid',
        at,
      }),
    ).toMatchObject({
      status: 'paid',
      amountPaid: '10.00',
      paidAt: at,
      paymentAttempts: 2,
      provider: { status: 'paid' },
    });
  });

  it.each([
    ['a failure after paid', { status: 'paid' }, { paymentAttempts: 3, at }],
    ['a void after paid', { status: 'paid' }, { status: 'void' as const, at }],
    ['a lower attempt count', { paymentAttempts: 2 }, { paymentAttempts: 1, at }],
    ['paid on a void invoice', { status: 'void' }, { status: 'paid' as const, at }],
    ['uncollectible on a draft', { status: 'draft' }, { status: 'uncollectible' as const, at }],
  ])('changes nothing for %s', (_, state, update) => {
    expect(withProviderUpdate(invoice(state as Partial<Invoice>), update)).toBeUndefined();
  });

  it('lets an uncollectible invoice be paid, as Stripe does', () => {
    expect(
      withProviderUpdate(invoice({ status: 'uncollectible' }), { status: 'paid', at }),
    ).toMatchObject({ status: 'paid', amountPaid: '10.00' });
  });
});

describe('nextPaymentRecord', () => {
  const seen = (over: Partial<PaymentObservation> = {}): PaymentObservation => ({
    id: 'pi_1',
    provider: 'stripe',
    status: 'failed',
    amount: '10.00',
    amountReceived: '0.00',
    currency: 'USD',
    customerId: 'c',
    failureCode: 'card_declined',
    eventId: 'evt_1',
    eventAt: '2026-04-01T00:00:01.000Z',
    ...over,
  });
  const now = '2026-04-02T00:00:00.000Z';
  const first = nextPaymentRecord(undefined, seen(), now)!;

  it('creates a record at revision 1', () => {
    expect(first).toMatchObject({ status: 'failed', revision: 1, lastEventId: 'evt_1' });
  });

  it('lets success replace a failure, clearing the failure, whatever the times', () => {
    const ok = nextPaymentRecord(
      first,
      seen({ status: 'succeeded', eventId: 'evt_0', eventAt: '2026-04-01T00:00:00.000Z' }),
      now,
    );
    expect(ok).toMatchObject({ status: 'succeeded', revision: 2, failureCode: undefined });
  });

  it('never changes a success, a replay, or a failure older than the one recorded', () => {
    const ok = nextPaymentRecord(first, seen({ status: 'succeeded', eventId: 'evt_2' }), now)!;
    expect(nextPaymentRecord(ok, seen({ eventId: 'evt_3' }), now)).toBeUndefined();
    expect(nextPaymentRecord(first, seen(), now)).toBeUndefined();
    expect(
      nextPaymentRecord(
        first,
        seen({ eventId: 'evt_0', eventAt: '2026-04-01T00:00:00.000Z' }),
        now,
      ),
    ).toBeUndefined();
  });

  it('keeps links learnt earlier when a later event lacks them', () => {
    const linked = { ...first, invoiceId: 'inv_c_2026-03' };
    const next = nextPaymentRecord(
      linked,
      seen({ status: 'succeeded', eventId: 'evt_2', invoiceId: undefined }),
      now,
    );
    expect(next?.invoiceId).toBe('inv_c_2026-03');
  });
});
