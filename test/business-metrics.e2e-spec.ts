import Stripe from 'stripe';
import { Clock } from '../src/common/time/clock';
import { BillingRunOptions } from '../src/billing/runs/billing-run.options';
import { EventsOptions } from '../src/events/events.options';
import { type FakeEventBridge, startFakeEventBridge } from './fakes/fake-eventbridge';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { sdkFor } from './fakes/fake-stripe/sdk-client';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

type Labels = Record<string, string>;
type Obj = Record<string, unknown>;

const WEBHOOK_SECRET = 'whsec_business_metrics_0123456789abcdef';
/** After March 2026 ended: March can be invoiced and billed; usage of March is in the window. */
const NOW = '2026-04-02T10:00:00.000Z';

/** Every sample of a Prometheus text exposition, as `name` + labels → value. */
function samples(text: string): { name: string; labels: Labels; value: number }[] {
  const out: { name: string; labels: Labels; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

const sameLabels = (a: Labels, b: Labels) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(b).every(([k, v]) => a[k] === v);

/**
 * The counters an operator watches, read through `GET /metrics` while each flow is driven
 * through HTTP: usage ingest, invoices, Stripe webhooks, billing runs, Stripe and EventBridge.
 */
describe('Business metrics on /metrics (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  let bridge: FakeEventBridge;
  const clock = new FakeClock(NOW);
  const epoch = () => Math.floor(clock.now().getTime() / 1000);

  beforeAll(async () => {
    [stripe, bridge] = await Promise.all([startFakeStripe({ now: epoch }), startFakeEventBridge()]);
    t = await startTestApp({
      env: {
        STRIPE_SECRET_KEY: 'sk_test_business_metrics',
        STRIPE_API_HOST: stripe.host,
        STRIPE_API_PORT: String(stripe.port),
        STRIPE_API_PROTOCOL: 'http',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        EVENTBRIDGE_BUS: 'billing-bus',
        EVENTBRIDGE_ENDPOINT: bridge.url,
      },
      overrides: [
        [Clock, clock],
        [
          EventsOptions,
          new EventsOptions({
            pollIntervalMs: 20,
            idlePollIntervalMs: 50,
            retryInitialMs: 20,
            retryMaxMs: 200,
            breakerHalfOpenAfterMs: 200,
          }),
        ],
        [BillingRunOptions, new BillingRunOptions({ checkpointIntervalMs: 50 })],
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([stripe.close(), bridge.close()]);
  });

  /** Reads `/metrics` once; `value(name, labels)` is the sample with exactly those labels, or 0. */
  async function scrape() {
    const res = await t.http.get('/metrics').expect(200);
    const all = samples(res.text);
    return {
      text: res.text,
      value: (name: string, labels: Labels = {}) =>
        all.find((s) => s.name === name && sameLabels(s.labels, labels))?.value ?? 0,
    };
  }

  /** How much each listed series moved while `action` ran. */
  async function deltas(series: [string, Labels][], action: () => Promise<void>) {
    const before = await scrape();
    await action();
    const after = await scrape();
    return series.map(([name, labels]) => after.value(name, labels) - before.value(name, labels));
  }

  async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const createCustomer = (id: string) =>
    t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'paid' })
      .expect(201);
  const track = (body: Obj) => t.http.post('/v1/usage').set(t.auth('ingest')).send(body);

  const deliver = (event: Obj, secret = WEBHOOK_SECRET) => {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret,
      timestamp: epoch(),
    });
    return t.http
      .post('/v1/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
  };

  async function runBilling(period: string): Promise<Obj> {
    await t.http.post('/v1/billing-runs').set(t.auth()).send({ period }).expect(202);
    let run: Obj = {};
    await until(async () => {
      run = (await t.http.get(`/v1/billing-runs/${period}`).set(t.auth('read')).expect(200))
        .body as Obj;
      return run.status !== 'running';
    }, 30_000);
    return run;
  }

  it('documents every business counter with HELP and TYPE', async () => {
    const { text } = await scrape();
    for (const name of [
      'usage_events_total',
      'invoice_transitions_total',
      'webhook_events_total',
      'billing_run_customers_total',
      'billing_run_passes_total',
      'dependency_calls_total',
      'events_published_total',
      'events_refused_total',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} counter$`, 'm'));
    }
  });

  it('counts usage events by outcome, and rejections by error code', async () => {
    await createCustomer('m-usage');
    let batchCode = '';
    const moved = await deltas(
      [
        ['usage_events_total', { outcome: 'accepted' }],
        ['usage_events_total', { outcome: 'duplicate' }],
        ['usage_events_total', { outcome: 'rejected', code: 'UNKNOWN_CUSTOMER' }],
      ],
      async () => {
        const event = { customerId: 'm-usage', endpoint: '/api/x', eventId: 'metrics-1' };
        await track(event).expect(201);
        expect((await track(event).expect(200)).body).toMatchObject({ duplicate: true });
        const unknown = await track({ customerId: 'm-nobody', endpoint: '/api/x' }).expect(422);
        expect(unknown.body.error).toBe('UNKNOWN_CUSTOMER');
        const batch = await t.http
          .post('/v1/usage/batch')
          .set(t.auth('ingest'))
          .send({
            events: [
              { customerId: 'm-usage', endpoint: '/api/x' },
              { customerId: 'm-usage', endpoint: 'no-slash' },
            ],
          })
          .expect(200);
        expect(batch.body).toMatchObject({ accepted: 1, rejected: 1 });
        batchCode = batch.body.results[1].error.code as string;
      },
    );
    expect(moved).toEqual([2, 1, 1]);
    const after = await scrape();
    expect(after.value('usage_events_total', { outcome: 'rejected', code: batchCode })).toBe(1);
    expect(after.text).not.toMatch(/usage_events_total\{[^}]*m-usage/);
  });

  it('counts invoice transitions, Stripe calls by result, and webhook deliveries by type and outcome', async () => {
    await createCustomer('m-inv');
    await track({
      customerId: 'm-inv',
      endpoint: '/api/x',
      quantity: 2000,
      timestamp: '2026-03-15T12:00:00Z',
    }).expect(201);

    const [created] = await deltas(
      [['invoice_transitions_total', { from: 'none', to: 'draft' }]],
      () =>
        t.http
          .post('/v1/invoices')
          .set(t.auth())
          .send({ customerId: 'm-inv', period: '2026-03' })
          .expect(201)
          .then(() => undefined),
    );
    expect(created).toBe(1);
    const invoiceId = (
      await t.http.get('/v1/customers/m-inv/invoices').set(t.auth('read')).expect(200)
    ).body.data[0].id as string;

    // Stripe down for one call (all its attempts): the finalize answers 503, the invoice stays a draft.
    const [unavailable, retried, stillDraft] = await deltas(
      [
        ['dependency_calls_total', { dependency: 'stripe', outcome: 'unavailable' }],
        ['dependency_retries_total', { dependency: 'stripe' }],
        ['invoice_transitions_total', { from: 'draft', to: 'open' }],
      ],
      async () => {
        stripe.faults.failNext(3, 503);
        await t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(t.auth()).expect(503);
      },
    );
    expect([unavailable, retried, stillDraft]).toEqual([1, 2, 0]);

    let providerInvoiceId = '';
    const [succeeded, opened] = await deltas(
      [
        ['dependency_calls_total', { dependency: 'stripe', outcome: 'success' }],
        ['invoice_transitions_total', { from: 'draft', to: 'open' }],
      ],
      async () => {
        const res = await t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(t.auth());
        expect(res.status).toBe(200);
        providerInvoiceId = res.body.provider.invoiceId as string;
      },
    );
    expect(succeeded).toBeGreaterThan(0);
    expect(opened).toBe(1);

    // Paid at Stripe; Stripe's own events are delivered to the webhook endpoint.
    await sdkFor(stripe).invoices.pay(providerInvoiceId);
    const ofInvoice = (type: string) =>
      stripe.events.find(
        (e) => e.type === type && (e.data as { object: Obj }).object.id === providerInvoiceId,
      ) as Obj;
    const paid = ofInvoice('invoice.paid');
    const invoiceCreated = ofInvoice('invoice.created');
    const webhooks = await deltas(
      [
        ['webhook_events_total', { type: 'invoice.paid', outcome: 'processed' }],
        ['webhook_events_total', { type: 'invoice.paid', outcome: 'duplicate' }],
        ['webhook_events_total', { type: 'invoice.created', outcome: 'ignored' }],
        ['webhook_events_total', { type: 'unverified', outcome: 'invalid_signature' }],
        ['invoice_transitions_total', { from: 'open', to: 'paid' }],
      ],
      async () => {
        expect((await deliver(paid).expect(200)).body).toMatchObject({ duplicate: false });
        expect((await deliver(paid).expect(200)).body).toMatchObject({ duplicate: true });
        await deliver(invoiceCreated).expect(200);
        await deliver(paid, 'whsec_not_ours').expect(400);
      },
    );
    expect(webhooks).toEqual([1, 1, 1, 1, 1]);
  });

  it('counts EventBridge calls by result, and events published and refused', async () => {
    // Everything so far reaches the bus.
    await until(async () => (await scrape()).value('outbox_pending_events') === 0);
    const first = await scrape();
    expect(
      first.value('dependency_calls_total', { dependency: 'eventbridge', outcome: 'success' }),
    ).toBeGreaterThan(0);
    expect(
      first.value('events_published_total', { type: 'billing.usage.tracked' }),
    ).toBeGreaterThan(0);
    expect(first.value('dependency_circuit_state', { dependency: 'eventbridge' })).toBe(0);

    // Down: calls fail (and the events wait); then an entry refused on its own.
    const [failedCalls, refused, published] = await deltas(
      [
        ['dependency_calls_total', { dependency: 'eventbridge', outcome: 'unavailable' }],
        ['events_refused_total', { type: 'billing.customer.created' }],
        ['events_published_total', { type: 'billing.customer.created' }],
      ],
      async () => {
        bridge.down();
        await createCustomer('m-bus');
        await until(
          async () =>
            (await scrape()).value('dependency_calls_total', {
              dependency: 'eventbridge',
              outcome: 'unavailable',
            }) > 0,
        );
        bridge.failEntries(1);
        bridge.up();
        await until(async () => (await scrape()).value('outbox_pending_events') === 0);
      },
    );
    expect(failedCalls).toBeGreaterThan(0);
    expect(refused).toBe(1);
    expect(published).toBe(1);
  });

  it('counts billing-run customers by outcome and passes by result', async () => {
    await createCustomer('m-run');
    await track({
      customerId: 'm-run',
      endpoint: '/api/x',
      quantity: 10,
      timestamp: '2026-03-20T12:00:00Z',
    }).expect(201);
    await createCustomer('m-gone');
    await t.http.delete('/v1/customers/m-gone').set(t.auth()).expect(204);
    const customers = (await t.http.get('/v1/customers?limit=100').set(t.auth('read'))).body
      .data as Obj[];

    const moved = await deltas(
      [
        ['billing_run_customers_total', { outcome: 'invoiced' }],
        ['billing_run_customers_total', { outcome: 'skipped' }],
        ['billing_run_passes_total', { result: 'completed' }],
        ['invoice_transitions_total', { from: 'none', to: 'draft' }],
      ],
      async () => {
        expect(await runBilling('2026-03')).toMatchObject({ status: 'completed' });
      },
    );
    // m-inv's invoice exists already (paid): invoiced, not created again.
    expect(moved).toEqual([customers.length - 1, 1, 1, customers.length - 2]);
  });

  it('counts billing-run customers that failed, by error code (Stripe down)', async () => {
    const moved = await deltas(
      [
        ['billing_run_customers_total', { outcome: 'failed', code: 'STRIPE_UNAVAILABLE' }],
        ['billing_run_passes_total', { result: 'completed_with_failures' }],
      ],
      async () => {
        // Usage of February (still inside the 35-day window) gives m-run an invoice to push.
        await track({
          customerId: 'm-run',
          endpoint: '/api/x',
          quantity: 2000,
          timestamp: '2026-02-27T12:00:00Z',
        }).expect(201);
        stripe.faults.failNext(1_000, 503);
        expect(await runBilling('2026-02')).toMatchObject({ status: 'completed_with_failures' });
      },
    );
    expect(moved[0]).toBeGreaterThan(0);
    expect(moved[1]).toBe(1);
    const after = await scrape();
    expect(after.text).not.toMatch(/billing_run_customers_total\{[^}]*m-run/);
  });
});
