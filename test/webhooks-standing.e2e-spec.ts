import { ProviderSync } from '../src/customers/provider-sync.service';
import { PaymentRecordsRepository } from '../src/webhooks/payment-records.repository';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { NOW, type OurInvoice, WebhookHarness } from './support/webhook-harness';

type Obj = Record<string, unknown>;

/** Every ordering of a list. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Customers whose Stripe customer we created (with Stripe on, against the fake Stripe API), and
 * events that name only that Stripe customer (`cus_…`): subscriptions, payment intents, invoices
 * Stripe made itself (no metadata of ours). Then the standing rule: the same events in every
 * order end in the same `billingStatus`.
 */
describe('Stripe webhooks: our Stripe customers and an order-independent standing (e2e)', () => {
  let fake: FakeStripe;
  let h: WebhookHarness;

  beforeAll(async () => {
    let clockSeconds = () => Math.floor(Date.now() / 1000);
    fake = await startFakeStripe({ now: () => clockSeconds() });
    h = await WebhookHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_webhooks_standing',
      STRIPE_API_HOST: fake.host,
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    });
    clockSeconds = () => h.epoch();
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });
  beforeEach(() => {
    h.clock.set(NOW);
    fake.faults.reset();
  });

  /** Creates the customer (which creates its Stripe customer) and returns the Stripe id. */
  async function customerAtStripe(id: string): Promise<string> {
    await h.createCustomer(id);
    const stripeCustomerId = (await h.customer(id)).stripeCustomerId;
    expect(stripeCustomerId).toMatch(/^cus_/);
    return stripeCustomerId as string;
  }

  const subscription = (customer: string, id: string, status = 'active'): Obj => ({
    id,
    object: 'subscription',
    customer,
    status,
    metadata: {},
  });

  /** An invoice Stripe made itself (a subscription's), so it carries none of our metadata. */
  const stripeOwnInvoice = (customer: string, id: string, fields: Obj = {}): Obj => ({
    id,
    object: 'invoice',
    customer,
    currency: 'usd',
    amount_due: 2500,
    amount_paid: 0,
    amount_remaining: 2500,
    attempt_count: 1,
    status: 'open',
    status_transitions: {},
    metadata: {},
    ...fields,
  });

  const standing = async (customerId: string) => (await h.customer(customerId)).billingStatus;

  async function deliverProcessed(event: Obj): Promise<void> {
    const res = await h.deliver(event);
    expect(res.status).toBe(200);
    expect({ type: event.type, status: res.body.status }).toEqual({
      type: event.type,
      status: 'processed',
    });
  }

  describe('the Stripe customer is linked from the moment we create it', () => {
    it('cancels on customer.subscription.deleted naming only the Stripe customer we created', async () => {
      const cus = await customerAtStripe('st-sub');
      const deleted = h.event(
        'customer.subscription.deleted',
        subscription(cus, 'sub_st_sub', 'canceled'),
      );

      await deliverProcessed(deleted);

      expect(await standing('st-sub')).toBe('cancelled');
      expect((await h.inbox(deleted.id as string)).body.result).toMatchObject({
        customerId: 'st-sub',
      });
    });

    it('records a payment intent naming only the Stripe customer we created', async () => {
      const cus = await customerAtStripe('st-pi');
      const succeeded = h.event('payment_intent.succeeded', {
        id: 'pi_st_pi',
        object: 'payment_intent',
        amount: 2500,
        amount_received: 2500,
        currency: 'usd',
        customer: cus,
        status: 'succeeded',
        metadata: {},
      });

      await deliverProcessed(succeeded);

      expect(await h.t.app.get(PaymentRecordsRepository).get('pi_st_pi')).toMatchObject({
        status: 'succeeded',
        amount: '25.00',
        customerId: 'st-pi',
        providerCustomerId: cus,
      });
      const [payment] = await h.publishedEvents('billing.payment.processed', {
        paymentId: 'pi_st_pi',
      });
      expect(payment).toMatchObject({ customerId: 'st-pi', data: { status: 'succeeded' } });
    });

    it('applies payment reports of invoices Stripe made itself (no metadata of ours)', async () => {
      const cus = await customerAtStripe('st-inv');
      const failed = h.event(
        'invoice.payment_failed',
        stripeOwnInvoice(cus, 'in_st_inv', { attempt_count: 1 }),
        { created: h.epoch(-120) },
      );
      const paid = h.event(
        'invoice.paid',
        stripeOwnInvoice(cus, 'in_st_inv', {
          status: 'paid',
          amount_paid: 2500,
          amount_remaining: 0,
          attempt_count: 2,
        }),
        { created: h.epoch(-60) },
      );

      await deliverProcessed(failed);
      expect(await standing('st-inv')).toBe('past_due');
      await deliverProcessed(paid);
      expect(await standing('st-inv')).toBe('active');
      // Nothing of ours is about that Stripe invoice.
      expect((await h.inbox(paid.id as string)).body.result).toMatchObject({
        customerId: 'st-inv',
      });
      expect((await h.inbox(paid.id as string)).body.result.invoiceId).toBeUndefined();
    });

    it('links a customer created while Stripe was down once the background sync creates it', async () => {
      fake.faults.failNext(10, 500);
      await h.createCustomer('st-late');
      expect((await h.customer('st-late')).stripeCustomerId).toBeNull();
      fake.faults.reset();

      await h.t.app.get(ProviderSync).retryPending();
      const cus = (await h.customer('st-late')).stripeCustomerId as string;
      expect(cus).toMatch(/^cus_/);

      await deliverProcessed(
        h.event('customer.subscription.deleted', subscription(cus, 'sub_st_late', 'canceled')),
      );
      expect(await standing('st-late')).toBe('cancelled');
    });
  });

  describe('one standing whatever the order', () => {
    /** A March invoice of ours, finalized (pushed to Stripe): its Stripe ids for the events. */
    async function openInvoice(
      customerId: string,
    ): Promise<{ invoice: OurInvoice; stripeInvoiceId: string; cus: string }> {
      const invoice = await h.draftInvoice(customerId);
      const open = await h.t.http
        .post(`/v1/invoices/${invoice.id}/finalize`)
        .set(h.t.auth())
        .expect(200);
      const cus = (await h.customer(customerId)).stripeCustomerId as string;
      return { invoice, stripeInvoiceId: open.body.provider.invoiceId as string, cus };
    }

    const paidInvoice = (invoice: OurInvoice, stripeInvoiceId: string, cus: string, at: number) =>
      h.event(
        'invoice.paid',
        h.stripeInvoice(invoice, {
          id: stripeInvoiceId,
          customer: cus,
          status: 'paid',
          amount_paid: 1000,
          amount_remaining: 0,
          attempt_count: 1,
          status_transitions: { paid_at: at },
        }),
        { created: at },
      );

    it.each([
      ['invoice.paid', 'deleted first'],
      ['invoice.paid', 'paid first'],
      ['invoice.payment_failed', 'deleted first'],
      ['invoice.payment_failed', 'failure first'],
    ])(
      'a subscription deleted at T+5 stays cancelled beside %s at T+30 (%s)',
      async (type, order) => {
        const customerId = `st-pair-${type.replace(/\W/g, '')}-${order.split(' ')[0]}`;
        const { invoice, stripeInvoiceId, cus } = await openInvoice(customerId);
        const t = h.epoch(-600);
        const deleted = h.event(
          'customer.subscription.deleted',
          subscription(cus, `sub_${customerId}`, 'canceled'),
          { created: t + 5 },
        );
        const payment =
          type === 'invoice.paid'
            ? paidInvoice(invoice, stripeInvoiceId, cus, t + 30)
            : h.event(
                'invoice.payment_failed',
                h.stripeInvoice(invoice, { id: stripeInvoiceId, customer: cus, attempt_count: 1 }),
                { created: t + 30 },
              );

        for (const event of order === 'deleted first' ? [deleted, payment] : [payment, deleted]) {
          await deliverProcessed(event);
        }

        expect(await standing(customerId)).toBe('cancelled');
      },
    );

    /**
     * Subscription 1 is cancelled (T+5); our March invoice is paid (T+30); a newer subscription 2
     * starts (T+40), which lifts the cancellation; Stripe's own invoice for it fails (T+50).
     */
    it.each(
      permutations(['deleted', 'paid', 'created', 'failed']).map((o, i) => [o.join(' → '), o, i]),
    )('reactivated, then past due, in any order: %s', async (_, order, i) => {
      const customerId = `st-react-${i}`;
      const { invoice, stripeInvoiceId, cus } = await openInvoice(customerId);
      const t = h.epoch(-600);
      const events: Record<string, Obj> = {
        deleted: h.event(
          'customer.subscription.deleted',
          subscription(cus, `sub_${customerId}_1`, 'canceled'),
          { created: t + 5 },
        ),
        paid: paidInvoice(invoice, stripeInvoiceId, cus, t + 30),
        created: h.event(
          'customer.subscription.created',
          subscription(cus, `sub_${customerId}_2`, 'active'),
          { created: t + 40 },
        ),
        failed: h.event(
          'invoice.payment_failed',
          stripeOwnInvoice(cus, `in_${customerId}_2`, { attempt_count: 1 }),
          { created: t + 50 },
        ),
      };

      for (const name of order) await deliverProcessed(events[name]);

      expect(await standing(customerId)).toBe('past_due');
      expect(await h.invoice(invoice.id)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    });

    /**
     * Subscription 1 is live (an update at T+1), Stripe's invoice for it fails (T+10), the
     * subscription is cancelled (T+20) and the invoice is paid after all (T+30): cancelled.
     */
    it.each(
      permutations(['updated', 'failed', 'deleted', 'paid']).map((o, i) => [o.join(' → '), o, i]),
    )('cancelled, whatever the payments, in any order: %s', async (_, order, i) => {
      const customerId = `st-cancel-${i}`;
      const cus = await customerAtStripe(customerId);
      const t = h.epoch(-600);
      const sub = `sub_${customerId}`;
      const stripeInvoice = `in_${customerId}`;
      const events: Record<string, Obj> = {
        updated: h.event('customer.subscription.updated', subscription(cus, sub, 'active'), {
          created: t + 1,
        }),
        failed: h.event('invoice.payment_failed', stripeOwnInvoice(cus, stripeInvoice), {
          created: t + 10,
        }),
        deleted: h.event('customer.subscription.deleted', subscription(cus, sub, 'canceled'), {
          created: t + 20,
        }),
        paid: h.event(
          'invoice.paid',
          stripeOwnInvoice(cus, stripeInvoice, { status: 'paid', amount_paid: 2500 }),
          { created: t + 30 },
        ),
      };

      for (const name of order) await deliverProcessed(events[name]);

      expect(await standing(customerId)).toBe('cancelled');
    });
  });
});
