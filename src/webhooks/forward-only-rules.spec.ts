import { type Invoice, withProviderUpdate } from '../billing/invoice.model';
import { type Customer, withBillingStatus } from '../customers/customer.model';
import { type PaymentObservation, nextPaymentRecord } from './payment-record.model';

/**
 * The rules that make webhook handling order-independent. They live with their entities
 * (customer, invoice, payment record); they are tested here, where the orderings come from.
 */
describe('withBillingStatus', () => {
  const customer = (over: Partial<Customer> = {}) =>
    ({ id: 'c', billingStatus: 'active', ...over }) as Customer;
  const T1 = '2026-04-01T00:00:01.000Z';
  const T2 = '2026-04-01T00:00:02.000Z';

  it('applies newer reports and records their time even when the standing is unchanged', () => {
    expect(withBillingStatus(customer(), 'active', T1)).toMatchObject({ billingStatusAt: T1 });
    expect(withBillingStatus(customer({ billingStatusAt: T1 }), 'past_due', T2)).toMatchObject({
      billingStatus: 'past_due',
      billingStatusAt: T2,
    });
  });

  it('ignores older reports', () => {
    const paidLater = customer({ billingStatus: 'active', billingStatusAt: T2 });
    expect(withBillingStatus(paidLater, 'past_due', T1)).toBeUndefined();
  });

  it('breaks same-second ties: cancelled > active > past_due', () => {
    const failed = customer({ billingStatus: 'past_due', billingStatusAt: T1 });
    expect(withBillingStatus(failed, 'active', T1)?.billingStatus).toBe('active');
    const paid = customer({ billingStatus: 'active', billingStatusAt: T1 });
    expect(withBillingStatus(paid, 'past_due', T1)).toBeUndefined();
    expect(withBillingStatus(paid, 'active', T1)).toBeUndefined();
  });

  it('keeps a cancellation against later payment reports', () => {
    const cancelled = customer({ billingStatus: 'cancelled', billingStatusAt: T1 });
    expect(withBillingStatus(cancelled, 'active', T2)).toBeUndefined();
    expect(withBillingStatus(cancelled, 'cancelled', T2)).toMatchObject({ billingStatusAt: T2 });
  });
});

describe('withProviderUpdate', () => {
  const invoice = (over: Partial<Invoice> = {}) =>
    ({
      id: 'inv',
      status: 'open',
      total: '10.00',
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
