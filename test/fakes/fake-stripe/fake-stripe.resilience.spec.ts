import Stripe from 'stripe';
import { sdkFor } from './sdk-client';
import { startFakeStripe, type FakeStripe } from './index';

describe('fake Stripe idempotency and fault injection (real stripe SDK)', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await startFakeStripe();
    stripe = sdkFor(fake);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const outcomes = () => fake.requests.map((r) => r.outcome);

  describe('idempotency', () => {
    it('replays the first response verbatim for the same key and params', async () => {
      const first = await stripe.customers.create(
        { email: 'a@b.c', metadata: { tenantId: 't1' } },
        { idempotencyKey: 'create-customer-t1' },
      );
      const again = await stripe.customers.create(
        { metadata: { tenantId: 't1' }, email: 'a@b.c' },
        { idempotencyKey: 'create-customer-t1' },
      );
      expect(JSON.stringify(again)).toBe(JSON.stringify(first));
      expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
      expect(fake.state.customers.size).toBe(1);
      expect(fake.events.filter((e) => e.type === 'customer.created')).toHaveLength(1);
      expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([
        'create-customer-t1',
        'create-customer-t1',
      ]);
      expect(outcomes()).toEqual(['handled', 'replayed']);
    });

    it('replays the original snapshot even after the object changed, like Stripe', async () => {
      const customer = await stripe.customers.create({});
      const params = { customer: customer.id, currency: 'usd' };
      const invoice = await stripe.invoices.create(params, { idempotencyKey: 'inv-1' });
      await stripe.invoiceItems.create({ ...params, invoice: invoice.id, amount: 500 });
      const replay = await stripe.invoices.create(params, { idempotencyKey: 'inv-1' });
      expect(replay.total).toBe(0);
      expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(500);
      expect(fake.state.invoices.size).toBe(1);
    });

    it('rejects a reused key with different params or on another endpoint', async () => {
      await stripe.customers.create({ email: 'a@b.c' }, { idempotencyKey: 'k' });
      const differentParams = stripe.customers.create({ email: 'x@y.z' }, { idempotencyKey: 'k' });
      await expect(differentParams).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      await expect(differentParams).rejects.toMatchObject({
        statusCode: 400,
        rawType: 'idempotency_error',
        message: expect.stringMatching(
          /^Keys for idempotent requests can only be used with the same parameters they were first used with/,
        ),
      });
      const customer = [...fake.state.customers.values()][0];
      await expect(
        stripe.invoices.create({ customer: customer.id }, { idempotencyKey: 'k' }),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(fake.state.customers.size).toBe(1);
      expect(fake.state.invoices.size).toBe(0);
    });

    it('does not store validation failures, so a corrected retry with the same key executes', async () => {
      const bad = stripe.invoiceItems.create(
        { customer: 'cus_missing', amount: 1, currency: 'usd' },
        { idempotencyKey: 'item-1' },
      );
      await expect(bad).rejects.toMatchObject({ code: 'resource_missing' });
      const customer = await stripe.customers.create({});
      const item = await stripe.invoiceItems.create(
        { customer: customer.id, amount: 1, currency: 'usd' },
        { idempotencyKey: 'item-1' },
      );
      expect(item.id).toMatch(/^ii_/);
    });
  });

  describe('failNext', () => {
    it('lets the SDK retry 5xx with its own key until it succeeds, creating one object', async () => {
      const retrying = sdkFor(fake, 2);
      fake.faults.failNext(2, 500);
      const customer = await retrying.customers.create({ email: 'retry@b.c' });
      expect(fake.state.customers.size).toBe(1);
      expect(fake.state.customers.has(customer.id)).toBe(true);
      expect(outcomes()).toEqual(['fault', 'fault', 'handled']);
      expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 200]);
      const keys = new Set(fake.requests.map((r) => r.idempotencyKey));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toMatch(/^stripe-node-retry-/);
    });

    it('surfaces StripeAPIError once retries are exhausted, with nothing committed', async () => {
      fake.faults.failNext(3, 503);
      const err = sdkFor(fake, 2).customers.create({});
      await expect(err).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
      await expect(err).rejects.toMatchObject({ statusCode: 503 });
      expect(fake.state.customers.size).toBe(0);
      expect(fake.events).toHaveLength(0);
    });

    it('raises StripeRateLimitError on 429 and only retries it when Stripe-Should-Retry says so', async () => {
      const retrying = sdkFor(fake, 2);
      fake.faults.failNext(1, 429);
      await expect(retrying.customers.list()).rejects.toBeInstanceOf(
        Stripe.errors.StripeRateLimitError,
      );
      expect(fake.requests).toHaveLength(1);

      fake.faults.failNext(1, 429, { shouldRetry: true });
      await expect(retrying.customers.list()).resolves.toMatchObject({ object: 'list' });
      expect(outcomes()).toEqual(['fault', 'fault', 'handled']);
    });
  });

  describe('dropResponseAfterCommit', () => {
    it('commits, loses the response, and replays it for a retry with the same key', async () => {
      // Two drops: the SDK transparently retries a reset connection once, even
      // with maxNetworkRetries 0, so the first drop alone would be invisible.
      fake.faults.dropResponseAfterCommit(2);
      const lost = stripe.customers.create({ email: 'lost@b.c' }, { idempotencyKey: 'ck-1' });
      await expect(lost).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect(fake.state.customers.size).toBe(1);

      const retried = await stripe.customers.create(
        { email: 'lost@b.c' },
        { idempotencyKey: 'ck-1' },
      );
      expect(fake.state.customers.size).toBe(1);
      expect(fake.state.customers.has(retried.id)).toBe(true);
      expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(outcomes()).toEqual(['dropped', 'dropped', 'replayed']);
    });

    it('is absorbed by SDK retries when maxNetworkRetries > 0 (auto idempotency key)', async () => {
      fake.faults.dropResponseAfterCommit(1);
      await sdkFor(fake, 2).customers.create({ email: 'auto@b.c' });
      expect(fake.state.customers.size).toBe(1);
      expect(outcomes()).toEqual(['dropped', 'replayed']);
    });

    it('documents an SDK hazard: with retries off and no key, a reset POST is silently re-sent', async () => {
      fake.faults.dropResponseAfterCommit(1);
      await stripe.customers.create({ email: 'dup@b.c' });
      expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([undefined, undefined]);
      expect(fake.state.customers.size).toBe(2);
    });
  });

  describe('addLatency and reset', () => {
    it('delays responses after committing, so a client timeout still leaves the change behind', async () => {
      fake.faults.addLatency(300);
      const impatient = sdkFor(fake, 0, { timeout: 100 });
      await expect(
        impatient.customers.create({}, { idempotencyKey: 'slow-1' }),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect(fake.state.customers.size).toBe(1);

      fake.faults.addLatency(0);
      const replay = await stripe.customers.create({}, { idempotencyKey: 'slow-1' });
      expect(fake.state.customers.has(replay.id)).toBe(true);
    });

    it('reset() clears state, requests, events, faults and idempotency keys', async () => {
      await stripe.customers.create({}, { idempotencyKey: 'r-1' });
      fake.faults.failNext(5);
      fake.reset();
      expect(fake.state.customers.size).toBe(0);
      expect(fake.requests).toHaveLength(0);
      expect(fake.events).toHaveLength(0);
      const fresh = await stripe.customers.create({ email: 'new@b.c' }, { idempotencyKey: 'r-1' });
      expect(fresh.email).toBe('new@b.c');
    });
  });
});
