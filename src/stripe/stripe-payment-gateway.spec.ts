import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from '../../test/fakes/fake-stripe';
import { DependencyUnavailable, ResiliencePolicies } from '../common/resilience';
import type { ResilienceOptions } from '../common/resilience';
import { MetricsService } from '../common/metrics/metrics.service';
import { NoopPaymentGateway } from './noop-payment-gateway';
import {
  PaymentGatewayDisabledError,
  PaymentProviderRejected,
  ProviderInvoiceMismatch,
} from './payment-errors';
import type { PushInvoiceInput } from './payment-gateway';
import { stripeClientConfig } from './stripe-client.config';
import { StripePaymentGateway } from './stripe-payment-gateway';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Real SDK, configured exactly as the app configures it, against the fake Stripe API. */
describe('StripePaymentGateway against the fake Stripe API', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let policies: ResiliencePolicies;
  let gateway: StripePaymentGateway;

  const FAST: Partial<ResilienceOptions> = {
    attempts: 3,
    baseDelayMs: 1,
    maxDelayMs: 5,
    timeoutMs: 2_000,
    breakerThreshold: 50,
    halfOpenAfterMs: 60_000,
  };

  function build(resilience: Partial<ResilienceOptions> = FAST) {
    const { apiKey, ...config } = stripeClientConfig({
      secretKey: 'sk_test_gateway',
      webhookSecret: undefined,
      host: fake.host,
      port: fake.port,
      protocol: 'http',
      enabled: true,
    });
    stripe = new Stripe(apiKey, config);
    policies = new ResiliencePolicies(new MetricsService());
    gateway = new StripePaymentGateway(stripe, policies, { resilience });
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await startFakeStripe();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    build();
  });
  // A response the client gave up on (timeout) is still being delayed by the fake; let it finish
  // so it cannot consume the next test's injected faults.
  afterEach(async () => {
    const inFlight = () =>
      fake.requests.some((r) => r.status === undefined && r.outcome !== 'dropped');
    for (let i = 0; i < 200 && inFlight(); i++) await sleep(10);
  });

  /** Runs `action` once, when the SDK sends the first request matching `method` and `path`. */
  function whenRequest(method: string, path: RegExp, action: () => void) {
    let fired = false;
    stripe.on('request', (event: Stripe.RequestEvent) => {
      if (fired || event.method !== method || !path.test(event.path)) return;
      fired = true;
      action();
    });
  }

  const invoices = () => [...fake.state.invoices.values()].filter((i) => !i.deleted);
  const items = () => [...fake.state.invoiceItems.values()].filter((i) => !i.deleted);
  const posts = (path?: RegExp) =>
    fake.requests.filter((r) => r.method === 'POST' && (!path || path.test(r.path)));

  async function customer() {
    const { providerCustomerId } = await gateway.ensureCustomer({
      customerId: 'acme',
      email: 'billing@acme.test',
      name: 'Acme',
    });
    fake.requests.length = 0;
    return providerCustomerId;
  }

  function invoiceFor(providerCustomerId: string, overrides: Partial<PushInvoiceInput> = {}) {
    return {
      invoiceId: 'inv_2026_01_acme',
      invoiceNumber: 'INV-2026-0001',
      customerId: 'acme',
      providerCustomerId,
      period: '2026-01',
      currency: 'USD',
      lines: [
        { lineId: 'base-fee', description: 'Pro plan, base fee', amountMinor: '4900' },
        { lineId: 'api-calls', description: 'API calls, 12,000', amountMinor: '9000' },
        { lineId: 'search', description: 'Search, 10 calls', amountMinor: '7' },
      ],
      ...overrides,
    } satisfies PushInvoiceInput;
  }

  /** Exactly one Stripe invoice for the invoice, open, holding exactly the three lines. */
  function expectOneCompleteInvoice() {
    expect(invoices()).toHaveLength(1);
    const [invoice] = invoices();
    expect(invoice).toMatchObject({ status: 'open', currency: 'usd', total: 13907 });
    expect(items()).toHaveLength(3);
    expect(items().map((i) => [i.metadata.lineId, i.amount, i.invoice])).toEqual([
      ['base-fee', 4900, invoice.id],
      ['api-calls', 9000, invoice.id],
      ['search', 7, invoice.id],
    ]);
    return invoice;
  }

  describe('ensureCustomer', () => {
    it('creates one Stripe customer per customer, however often it is called', async () => {
      const input = { customerId: 'acme', email: 'billing@acme.test', name: 'Acme' };
      const first = await gateway.ensureCustomer({ ...input, metadata: { plan: 'pro' } });
      const second = await gateway.ensureCustomer(input);
      expect(second).toEqual(first);
      expect(fake.state.customers.size).toBe(1);
      expect(fake.state.customers.get(first.providerCustomerId)).toMatchObject({
        email: 'billing@acme.test',
        name: 'Acme',
        metadata: { customerId: 'acme', plan: 'pro' },
      });
      expect(posts().map((r) => r.idempotencyKey)).toEqual(['billing-cus-acme']);
    });

    it('replays a create whose response was lost instead of creating a second customer', async () => {
      // Two drops: the SDK silently re-sends once on a reset socket; our retry is the third try.
      whenRequest('POST', /^\/v1\/customers$/, () => fake.faults.dropResponseAfterCommit(2));
      const { providerCustomerId } = await gateway.ensureCustomer({
        customerId: 'acme',
        email: 'billing@acme.test',
        name: 'Acme',
      });
      expect(fake.state.customers.size).toBe(1);
      expect(fake.state.customers.has(providerCustomerId)).toBe(true);
      expect(posts().map((r) => r.outcome)).toEqual(['dropped', 'dropped', 'replayed']);
    });

    it('finds a customer created long ago (idempotency key expired) by metadata', async () => {
      const earlier = await stripe.customers.create({
        email: 'billing@acme.test',
        metadata: { customerId: 'acme' },
      });
      await stripe.customers.create({
        email: 'billing@acme.test',
        metadata: { customerId: 'someone-else' },
      });
      fake.requests.length = 0;
      const found = await gateway.ensureCustomer({
        customerId: 'acme',
        email: 'billing@acme.test',
        name: 'Acme',
      });
      expect(found.providerCustomerId).toBe(earlier.id);
      expect(posts()).toHaveLength(0);
    });

    it('retries an attempt that timed out with the same key: still one customer', async () => {
      build({ ...FAST, timeoutMs: 100 });
      whenRequest('POST', /^\/v1\/customers$/, () => fake.faults.addLatency(400));
      let sent = 0;
      stripe.on('request', (event: Stripe.RequestEvent) => {
        if (event.method === 'POST' && ++sent === 2) fake.faults.addLatency(0);
      });
      await gateway.ensureCustomer({ customerId: 'acme', email: 'a@acme.test', name: 'Acme' });
      expect(fake.state.customers.size).toBe(1);
      expect(posts().map((r) => r.outcome)).toEqual(['handled', 'replayed']);
    });
  });

  describe('pushInvoice', () => {
    it('creates exactly one open invoice with one item per line, and returns its details', async () => {
      const result = await gateway.pushInvoice(invoiceFor(await customer()));
      const invoice = expectOneCompleteInvoice();
      expect(result).toEqual({
        providerInvoiceId: invoice.id,
        providerNumber: expect.stringMatching(/^[A-Z0-9]+-0001$/),
        hostedUrl: expect.stringMatching(/^https:\/\/invoice\.stripe\.com\//),
        status: 'open',
        amountDueMinor: '13907',
      });
      expect(invoice).toMatchObject({
        collection_method: 'send_invoice',
        auto_advance: false,
        due_date: expect.any(Number),
        metadata: {
          invoiceId: 'inv_2026_01_acme',
          customerId: 'acme',
          period: '2026-01',
          invoiceNumber: 'INV-2026-0001',
        },
      });
      expect(items()[0]).toMatchObject({
        currency: 'usd',
        description: 'Pro plan, base fee',
        metadata: { invoiceId: 'inv_2026_01_acme', customerId: 'acme', period: '2026-01' },
      });
      const lookup = fake.requests.find((r) => r.method === 'GET' && r.path === '/v1/invoices');
      expect(lookup?.query).toMatchObject({
        created: { gte: String(Date.UTC(2026, 0, 1) / 1000) },
      });
      expect(posts().map((r) => [r.path, r.idempotencyKey])).toEqual([
        ['/v1/invoices', 'billing-inv-inv_2026_01_acme-create'],
        ['/v1/invoiceitems', 'billing-inv-inv_2026_01_acme-item-base-fee'],
        ['/v1/invoiceitems', 'billing-inv-inv_2026_01_acme-item-api-calls'],
        ['/v1/invoiceitems', 'billing-inv-inv_2026_01_acme-item-search'],
        [`/v1/invoices/${invoice.id}/finalize`, 'billing-inv-inv_2026_01_acme-finalize'],
      ]);
    });

    it('leaves pending items of the same customer alone, and they stay out of our invoice', async () => {
      const providerCustomerId = await customer();
      await stripe.invoiceItems.create({
        customer: providerCustomerId,
        amount: 500,
        currency: 'usd',
      });
      await gateway.pushInvoice(invoiceFor(providerCustomerId));
      const pending = items().filter((i) => i.invoice === null);
      expect(pending.map((i) => i.amount)).toEqual([500]);
      expect(invoices()[0].total).toBe(13907);
    });

    it('returns the finished invoice on a second push without writing anything', async () => {
      const input = invoiceFor(await customer());
      const first = await gateway.pushInvoice(input);
      fake.requests.length = 0;
      await expect(gateway.pushInvoice(input)).resolves.toEqual(first);
      expect(posts()).toHaveLength(0);
      expectOneCompleteInvoice();
    });

    it('survives two 500s on a write: one invoice, one set of items, same key each try', async () => {
      const input = invoiceFor(await customer());
      whenRequest('POST', /^\/v1\/invoiceitems$/, () => fake.faults.failNext(2, 500));
      await gateway.pushInvoice(input);
      expectOneCompleteInvoice();
      const tries = posts(/^\/v1\/invoiceitems$/).filter((r) =>
        r.idempotencyKey?.endsWith('-base-fee'),
      );
      expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
    });

    it('retries a 429 even without Stripe-Should-Retry', async () => {
      const input = invoiceFor(await customer());
      whenRequest('POST', /^\/v1\/invoices$/, () => fake.faults.failNext(1, 429));
      await gateway.pushInvoice(input);
      expectOneCompleteInvoice();
    });

    it.each([
      ['the invoice create', /^\/v1\/invoices$/],
      ['an item create', /^\/v1\/invoiceitems$/],
      ['the finalize', /\/finalize$/],
    ])('is not fooled when Stripe commits %s but the response is lost', async (_step, path) => {
      const input = invoiceFor(await customer());
      whenRequest('POST', path, () => fake.faults.dropResponseAfterCommit(2));
      const result = await gateway.pushInvoice(input);
      const invoice = expectOneCompleteInvoice();
      expect(result).toMatchObject({ providerInvoiceId: invoice.id, status: 'open' });
      expect(fake.requests.filter((r) => r.outcome === 'dropped')).toHaveLength(2);
    });

    it('completes, without duplicates, a push that an outage interrupted half-way', async () => {
      const input = invoiceFor(await customer());
      let itemPosts = 0;
      stripe.on('request', (event: Stripe.RequestEvent) => {
        if (event.path === '/v1/invoiceitems' && event.method === 'POST' && ++itemPosts === 2) {
          fake.faults.failNext(100, 503);
        }
      });
      await expect(gateway.pushInvoice(input)).rejects.toBeInstanceOf(DependencyUnavailable);
      expect(invoices()[0].status).toBe('draft');
      expect(items()).toHaveLength(1);

      fake.faults.reset();
      await gateway.pushInvoice(input);
      expectOneCompleteInvoice();
    });

    it('refuses to finalize a draft whose items no longer match the lines', async () => {
      const input = invoiceFor(await customer());
      whenRequest('POST', /\/finalize$/, () => fake.faults.failNext(100, 503));
      await expect(gateway.pushInvoice(input)).rejects.toBeInstanceOf(DependencyUnavailable);
      fake.faults.reset();

      const changed = { ...input, lines: [{ ...input.lines[0], amountMinor: '5000' }] };
      const error = await gateway.pushInvoice(changed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderInvoiceMismatch);
      expect(error).toMatchObject({ code: 'STRIPE_INVOICE_MISMATCH', kind: 'conflict' });
      expect(invoices()[0].status).toBe('draft');
    });

    it('turns Stripe being down for longer than the retries into STRIPE_UNAVAILABLE and opens the breaker', async () => {
      build({ ...FAST, breakerThreshold: 3, halfOpenAfterMs: 50 });
      const input = invoiceFor(await customer());
      fake.faults.failNext(100, 503);
      const error = await gateway.pushInvoice(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailable);
      expect(error).toMatchObject({ code: 'STRIPE_UNAVAILABLE', kind: 'unavailable' });
      expect(fake.requests).toHaveLength(3);
      expect(policies.for('stripe').state).toBe('open');

      // While open, calls fail fast without reaching Stripe.
      await expect(
        gateway.ensureCustomer({ customerId: 'x', email: 'x@x.x', name: 'X' }),
      ).rejects.toMatchObject({ code: 'STRIPE_UNAVAILABLE', details: { reason: 'circuit_open' } });
      expect(fake.requests).toHaveLength(3);

      fake.faults.reset();
      await sleep(60);
      await gateway.pushInvoice(input);
      expect(policies.for('stripe').state).toBe('closed');
      expectOneCompleteInvoice();
    });

    it('does not retry a 400: STRIPE_REJECTED with Stripe’s message, breaker untouched', async () => {
      const error = await gateway
        .pushInvoice(invoiceFor('cus_doesnotexist'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentProviderRejected);
      expect(error).toMatchObject({
        code: 'STRIPE_REJECTED',
        kind: 'unprocessable',
        message: expect.stringContaining("No such customer: 'cus_doesnotexist'"),
        details: { stripeCode: 'resource_missing', param: 'customer' },
      });
      expect(posts()).toHaveLength(1);
      expect(policies.for('stripe').state).toBe('closed');
    });

    it('rejects lines that are not integer minor units before writing anything', async () => {
      const input = invoiceFor(await customer());
      const bad = { ...input, lines: [{ ...input.lines[0], amountMinor: '49.00' }] };
      await expect(gateway.pushInvoice(bad)).rejects.toThrow(/integer string/);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('voidInvoice', () => {
    it('voids the Stripe invoice, and voiding again is a no-op', async () => {
      const input = invoiceFor(await customer());
      const { providerInvoiceId } = await gateway.pushInvoice(input);
      await gateway.voidInvoice(providerInvoiceId, input.invoiceId);
      expect(fake.state.invoices.get(providerInvoiceId).status).toBe('void');
      await expect(
        gateway.voidInvoice(providerInvoiceId, input.invoiceId),
      ).resolves.toBeUndefined();
    });

    it('accepts an invoice already voided elsewhere, and rejects one that cannot be voided', async () => {
      const input = invoiceFor(await customer());
      const { providerInvoiceId } = await gateway.pushInvoice(input);
      await stripe.invoices.voidInvoice(providerInvoiceId);
      await expect(
        gateway.voidInvoice(providerInvoiceId, input.invoiceId),
      ).resolves.toBeUndefined();

      const other = await gateway.pushInvoice(
        invoiceFor(input.providerCustomerId, { invoiceId: 'inv_2', invoiceNumber: 'INV-2' }),
      );
      await stripe.invoices.pay(other.providerInvoiceId, { paid_out_of_band: true });
      await expect(gateway.voidInvoice(other.providerInvoiceId, 'inv_2')).rejects.toMatchObject({
        code: 'STRIPE_REJECTED',
      });
    });
  });

  describe('payInvoiceOutOfBand', () => {
    it('marks the Stripe invoice paid out of band, once, and accepts one paid there already', async () => {
      const input = invoiceFor(await customer());
      const { providerInvoiceId } = await gateway.pushInvoice(input);
      await gateway.payInvoiceOutOfBand(providerInvoiceId, input.invoiceId);
      expect(fake.state.invoices.get(providerInvoiceId)).toMatchObject({ status: 'paid' });
      // Again (a redelivered event): the idempotency key replays the first answer.
      await gateway.payInvoiceOutOfBand(providerInvoiceId, input.invoiceId);
      const pays = fake.requests.filter((r) => r.path === `/v1/invoices/${providerInvoiceId}/pay`);
      expect(pays.map((r) => r.outcome)).toEqual(['handled', 'replayed']);
      expect(pays[0].idempotencyKey).toBe(`billing-inv-${input.invoiceId}-pay-out-of-band`);

      const other = await gateway.pushInvoice(
        invoiceFor(input.providerCustomerId, { invoiceId: 'inv_3', invoiceNumber: 'INV-3' }),
      );
      await stripe.invoices.pay(other.providerInvoiceId);
      await expect(
        gateway.payInvoiceOutOfBand(other.providerInvoiceId, 'inv_3'),
      ).resolves.toBeUndefined();
    });

    it('rejects an invoice that cannot be paid', async () => {
      const input = invoiceFor(await customer());
      const { providerInvoiceId } = await gateway.pushInvoice(input);
      await stripe.invoices.voidInvoice(providerInvoiceId);
      await expect(
        gateway.payInvoiceOutOfBand(providerInvoiceId, input.invoiceId),
      ).rejects.toBeInstanceOf(PaymentProviderRejected);
    });
  });
});

describe('NoopPaymentGateway', () => {
  it('is disabled and refuses every call with a clear error', async () => {
    const gateway = new NoopPaymentGateway();
    expect(gateway.enabled).toBe(false);
    await expect(gateway.voidInvoice()).rejects.toBeInstanceOf(PaymentGatewayDisabledError);
    await expect(gateway.payInvoiceOutOfBand()).rejects.toBeInstanceOf(PaymentGatewayDisabledError);
    await expect(gateway.pushInvoice()).rejects.toThrow(/STRIPE_SECRET_KEY/);
  });
});
