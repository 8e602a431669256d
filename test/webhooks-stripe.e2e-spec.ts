import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { sdkFor } from './fakes/fake-stripe/sdk-client';
import { WebhookHarness } from './support/webhook-harness';

type Obj = Record<string, unknown>;

/**
 * The whole loop with Stripe-shaped events: our finalize pushes to the fake Stripe API, the
 * invoice is paid there, and the events Stripe produced along the way are delivered to our
 * endpoint, in order, reversed and twice.
 */
describe('Stripe webhooks with events from the (fake) Stripe API (e2e)', () => {
  let fake: FakeStripe;
  let h: WebhookHarness;

  beforeAll(async () => {
    let clockSeconds = () => Math.floor(Date.now() / 1000);
    fake = await startFakeStripe({ now: () => clockSeconds() });
    h = await WebhookHarness.start({
      STRIPE_SECRET_KEY: 'sk_test_webhooks',
      STRIPE_API_HOST: fake.host,
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: 'http',
    });
    // Stripe's `created` on the same clock the app verifies signatures with.
    clockSeconds = () => h.epoch();
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  /** Finalizes (pushing to Stripe), pays there, and returns the events about this customer. */
  async function billAndPay(customerId: string): Promise<{ invoiceId: string; events: Obj[] }> {
    const draft = await h.draftInvoice(customerId);
    const finalized = await h.t.http
      .post(`/v1/invoices/${draft.id}/finalize`)
      .set(h.t.auth())
      .expect(200);
    expect(finalized.body).toMatchObject({ status: 'open', provider: { status: 'open' } });
    h.clock.advance(5_000);
    await sdkFor(fake).invoices.pay(finalized.body.provider.invoiceId as string);
    const stripeCustomerId = (await h.customer(customerId)).stripeCustomerId;
    const events = fake.events.filter((e) => {
      const object = (e.data as { object: Obj }).object;
      return object.id === stripeCustomerId || object.customer === stripeCustomerId;
    });
    return { invoiceId: draft.id, events };
  }

  it('applies Stripe’s own events delivered in order, and treats a second delivery as duplicates', async () => {
    const { invoiceId, events } = await billAndPay('wh-live');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'customer.created',
        'invoice.finalized',
        'invoice.paid',
        'invoice.payment_succeeded',
      ]),
    );

    for (const event of events) expect((await h.deliver(event)).status).toBe(200);
    for (const event of events) {
      expect((await h.deliver(event)).body).toMatchObject({ duplicate: true });
    }

    expect(await h.invoice(invoiceId)).toMatchObject({
      status: 'paid',
      amountPaid: '10.00',
      provider: { status: 'paid' },
    });
    expect(await h.customer('wh-live')).toMatchObject({ billingStatus: 'active' });
    const statusOf = async (type: string) =>
      (await h.inbox(events.find((e) => e.type === type)!.id as string)).body.status;
    expect(await statusOf('customer.created')).toBe('processed');
    expect(await statusOf('invoice.created')).toBe('ignored');
    expect(await statusOf('invoice.paid')).toBe('processed');
    expect(await statusOf('invoice.payment_succeeded')).toBe('processed');
    expect(await h.publishedEvents('billing.payment.processed', { invoiceId })).toHaveLength(1);
  });

  it('ends in the same state when Stripe’s events arrive in reverse order', async () => {
    const { invoiceId, events } = await billAndPay('wh-live-reversed');

    for (const event of [...events].reverse()) {
      const res = await h.deliver(event);
      expect(res.status).toBe(200);
      expect(res.body.duplicate).toBe(false);
    }

    expect(await h.invoice(invoiceId)).toMatchObject({ status: 'paid', amountPaid: '10.00' });
    expect(await h.customer('wh-live-reversed')).toMatchObject({ billingStatus: 'active' });
  });
});
