import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SchedulerRegistry } from '@nestjs/schedule';
import { BillingRunOptions } from '../src/billing/runs/billing-run.options';
import { BILLING_RUN_JOB, BillingRunScheduler } from '../src/billing/runs/billing-run.scheduler';
import { Clock } from '../src/common/time/clock';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { Keys } from '../src/database/keys';
import { type FakeEventBridge, startFakeEventBridge } from './fakes/fake-eventbridge';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp, testConfig } from './support/test-app';

const IN_MARCH = '2026-03-10T12:00:00Z';
const APRIL_1ST = '2026-04-01T00:10:00Z';
const MARCH = '2026-03';

interface Run {
  status: string;
  interrupted: boolean;
  passes: number;
  trigger: string;
  counts: { customers: number; invoiced: number; failed: number; skipped: number };
  failures: { customerId: string; code: string; attempts: number }[];
  periodClosedAt: string | null;
}

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('Billing runs (e2e)', () => {
  const apps: TestApp[] = [];
  let stripe: FakeStripe;
  let bus: FakeEventBridge;

  beforeAll(async () => {
    [stripe, bus] = await Promise.all([startFakeStripe(), startFakeEventBridge()]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    stripe.reset();
  });
  afterAll(async () => {
    await Promise.all([stripe.close(), bus.close()]);
  });

  const stripeEnv = () => ({
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_API_HOST: stripe.host,
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
  });

  /** An app on its own table (or `like`'s), with a clock the test moves and quick runs. */
  async function start(
    clock: FakeClock,
    options: Partial<BillingRunOptions> = {},
    setup: { env?: Record<string, string>; like?: TestApp } = {},
  ): Promise<TestApp> {
    const t = await startTestApp({
      config: setup.like?.config ?? (setup.env ? testConfig(setup.env) : undefined),
      overrides: [
        [Clock, clock],
        [BillingRunOptions, new BillingRunOptions({ checkpointIntervalMs: 50, ...options })],
      ],
    });
    apps.push(t);
    return t;
  }

  const createCustomers = (t: TestApp, customerIds: string[], planId = 'paid') =>
    Promise.all(
      customerIds.map((id) =>
        t.http
          .post('/v1/customers')
          .set(t.auth())
          .send({ id, email: `${id}@example.test`, name: id, planId })
          .expect(201),
      ),
    );

  /** 1,500 units on one March day: 5.00 USD on the paid plan, so the invoice has a line. */
  const addUsage = (t: TestApp, customerId: string) =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId, endpoint: '/api/search', quantity: 1500, timestamp: IN_MARCH })
      .expect(201);

  const startRun = (t: TestApp, period = MARCH) =>
    t.http.post('/v1/billing-runs').set(t.auth()).send({ period });
  const getRun = async (t: TestApp, period = MARCH): Promise<Run> =>
    (await t.http.get(`/v1/billing-runs/${period}`).set(t.auth('read')).expect(200)).body as Run;

  async function waitFor(t: TestApp, done: (run: Run) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await getRun(t);
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`run not there in time: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const finished = (run: Run) => run.status !== 'running';

  const invoicesOf = async (t: TestApp, customerId: string) =>
    (await t.http.get(`/v1/customers/${customerId}/invoices`).set(t.auth('read')).expect(200)).body
      .data as { id: string; status: string; period: string; provider: unknown }[];

  async function expectOneFinalInvoiceEach(t: TestApp, customerIds: string[]) {
    for (const id of customerIds) {
      const invoices = await invoicesOf(t, id);
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({ id: `inv_${id}_${MARCH}`, period: MARCH });
      expect(['open', 'paid']).toContain(invoices[0].status);
    }
  }

  const stripeInvoicesFor = (invoiceId: string) =>
    [...stripe.state.invoices.values()].filter(
      (i: { metadata?: Record<string, string> }) => i.metadata?.invoiceId === invoiceId,
    );

  it('validates: 400 malformed period, 422 period not ended, 404 no run, 403 for read keys', async () => {
    const t = await start(new FakeClock(IN_MARCH));
    const bad = await t.http.post('/v1/billing-runs').set(t.auth()).send({ period: '2026-3' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields[0].field).toBe('period');
    const early = await startRun(t);
    expect(early.status).toBe(422);
    expect(early.body.error).toBe('PERIOD_NOT_ENDED');
    expect((await t.http.get('/v1/billing-runs/2026-02').set(t.auth('read'))).status).toBe(404);
    expect((await t.http.get('/v1/billing-runs/nope').set(t.auth('read'))).status).toBe(400);
    const readOnly = await t.http
      .post('/v1/billing-runs')
      .set(t.auth('read'))
      .send({ period: MARCH });
    expect(readOnly.status).toBe(403);
  });

  it('invoices every active customer once, skips archived ones and closes the period once', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(
      clock,
      {},
      { env: { EVENTBRIDGE_BUS: 'bus', EVENTBRIDGE_ENDPOINT: bus.url } },
    );
    const active = ids('act', 4);
    await createCustomers(t, [...active, 'gone']);
    await addUsage(t, active[0]);
    await t.http.delete('/v1/customers/gone').set(t.auth()).expect(204);
    clock.set(APRIL_1ST);

    const accepted = await startRun(t).expect(202);
    expect(accepted.body).toMatchObject({ period: MARCH, status: 'running', passes: 1 });
    const run = await waitFor(t, finished);
    expect(run).toMatchObject({
      status: 'completed',
      interrupted: false,
      trigger: 'api',
      counts: { customers: 5, invoiced: 4, failed: 0, skipped: 1 },
      failures: [],
    });
    expect(run.periodClosedAt).toEqual(expect.any(String));
    await expectOneFinalInvoiceEach(t, active);
    expect((await invoicesOf(t, active[0]))[0].status).toBe('open'); // 5.00 due
    expect(await invoicesOf(t, 'gone')).toHaveLength(0);

    // Posting the completed run again answers it as it is (200), starts no pass, changes nothing
    // and does not announce the period again (issue 13: it used to answer 202 and run a pass).
    const again = (await startRun(t).expect(200)).body as Run;
    expect(again).toEqual(run);
    expect(await getRun(t)).toEqual(run);
    await expectOneFinalInvoiceEach(t, active);
    await bus.waitForEntries(1);
    await new Promise((r) => setTimeout(r, 600)); // a relay poll or two
    const closed = bus.entriesOfType('billing.period.closed');
    expect(closed).toHaveLength(1);
    expect(closed[0].detail).toMatchObject({
      period: MARCH,
      customers: 5,
      invoiced: 4,
      skipped: 1,
    });
  });

  it('lets one of two instances run a period; each customer is invoiced exactly once', async () => {
    const clock = new FakeClock(IN_MARCH);
    const a = await start(clock);
    const b = await start(clock, {}, { like: a });
    const customers = ids('pair', 60);
    await createCustomers(a, customers);
    await Promise.all(customers.slice(0, 10).map((id) => addUsage(a, id)));
    clock.set(APRIL_1ST);

    const [fromA, fromB] = await Promise.all([startRun(a), startRun(b)]);
    expect([fromA.status, fromB.status]).toEqual([202, 202]);
    expect([fromA.body.status, fromB.body.status]).toEqual(['running', 'running']);
    const run = await waitFor(b, finished);
    expect(run).toMatchObject({ status: 'completed', passes: 1 });
    expect(run.counts).toEqual({ customers: 60, invoiced: 60, failed: 0, skipped: 0 });
    await expectOneFinalInvoiceEach(b, customers);
  });

  it('resumes a run stopped halfway on another instance, with no duplicates here or in Stripe', async () => {
    const clock = new FakeClock(IN_MARCH);
    const env = stripeEnv();
    const a = await start(clock, { concurrency: 2 }, { env });
    const customers = ids('half', 12);
    await createCustomers(a, customers);
    await Promise.all(customers.map((id) => addUsage(a, id)));
    clock.set(APRIL_1ST);
    stripe.faults.addLatency(40); // each invoice push takes a few Stripe calls

    await startRun(a).expect(202);
    await waitFor(a, (r) => r.counts.invoiced >= 3);
    await a.close(); // stops taking customers, finishes those in hand, hands the lease back
    apps.splice(apps.indexOf(a), 1);

    const b = await start(clock, {}, { like: a });
    const stopped = await getRun(b);
    expect(stopped).toMatchObject({ status: 'running', interrupted: true, passes: 1 });
    expect(stopped.counts.invoiced).toBeLessThan(12);

    stripe.faults.addLatency(0);
    await startRun(b).expect(202);
    const run = await waitFor(b, finished);
    expect(run).toMatchObject({ status: 'completed', passes: 2, trigger: 'api' });
    expect(run.counts).toEqual({ customers: 12, invoiced: 12, failed: 0, skipped: 0 });
    await expectOneFinalInvoiceEach(b, customers);
    for (const id of customers) expect(stripeInvoicesFor(`inv_${id}_${MARCH}`)).toHaveLength(1);
  });

  it('takes over from a crashed instance once its lease expires', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(clock, { sweepIntervalMs: 100 });
    const customers = ids('crash', 5);
    await createCustomers(t, customers);
    clock.set(APRIL_1ST);
    // What an instance that died right after taking the lease leaves behind.
    const db = t.app.get(DynamoDatabase);
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: Keys.billingRun(MARCH),
        UpdateExpression:
          'SET #type = :type, period = :p, #status = :running, #trigger = :api, passes = :one, ' +
          'startedAt = :at, updatedAt = :at, leaseOwner = :dead, leaseUntil = :until, ' +
          'counts = :zero, failures = :none, gsi1pk = :open, gsi1sk = :p',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status', '#trigger': 'trigger' },
        ExpressionAttributeValues: {
          ':type': 'BillingRun',
          ':p': MARCH,
          ':running': 'running',
          ':api': 'api',
          ':one': 1,
          ':at': APRIL_1ST,
          ':dead': 'crashed-instance',
          ':until': Date.now() + 800,
          ':zero': { customers: 0, invoiced: 0, failed: 0, skipped: 0 },
          ':none': [],
          ':open': Keys.billingRunOpenPartition,
        },
      }),
    );

    const blocked = await startRun(t).expect(202);
    expect(blocked.body).toMatchObject({ status: 'running', interrupted: false, passes: 1 });
    expect(await invoicesOf(t, customers[0])).toHaveLength(0);

    const run = await waitFor(t, finished, 10_000);
    expect(run).toMatchObject({ status: 'completed', passes: 2, trigger: 'resume' });
    expect(run.counts.invoiced).toBe(5);
    await expectOneFinalInvoiceEach(t, customers);
  });

  it('records a customer whose Stripe push fails and bills it on the next run', async () => {
    const clock = new FakeClock(IN_MARCH);
    // One customer at a time, so the injected failures all hit the first customer's push.
    const t = await start(clock, { concurrency: 1 }, { env: stripeEnv() });
    await createCustomers(t, ['sf-a', 'sf-b']);
    await Promise.all(['sf-a', 'sf-b'].map((id) => addUsage(t, id)));
    clock.set(APRIL_1ST);

    stripe.faults.failNext(3, 503); // every attempt of one call: the policy gives up
    await startRun(t).expect(202);
    const failed = await waitFor(t, finished);
    expect(failed).toMatchObject({
      status: 'completed_with_failures',
      counts: { customers: 2, invoiced: 1, failed: 1, skipped: 0 },
      failures: [{ customerId: 'sf-a', code: 'STRIPE_UNAVAILABLE', attempts: 1 }],
      periodClosedAt: null,
    });
    expect((await invoicesOf(t, 'sf-a'))[0].status).toBe('draft');

    await startRun(t).expect(202);
    const retried = await waitFor(t, (r) => r.passes === 2 && finished(r));
    expect(retried).toMatchObject({
      status: 'completed',
      counts: { customers: 2, invoiced: 2, failed: 0, skipped: 0 },
      failures: [],
    });
    expect(retried.periodClosedAt).toEqual(expect.any(String));
    await expectOneFinalInvoiceEach(t, ['sf-a', 'sf-b']);
    expect(stripeInvoicesFor(`inv_sf-a_${MARCH}`)).toHaveLength(1);
  });

  it('retries failures by itself a while after a run ends with some', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(
      clock,
      { concurrency: 1, sweepIntervalMs: 100, retryFailuresAfterMs: 60_000 },
      { env: stripeEnv() },
    );
    await createCustomers(t, ['auto-a']);
    await addUsage(t, 'auto-a');
    clock.set(APRIL_1ST);
    stripe.faults.failNext(3, 503);
    await startRun(t).expect(202);
    await waitFor(t, (r) => r.status === 'completed_with_failures');
    clock.advance(60_000);
    const run = await waitFor(t, (r) => r.status === 'completed', 10_000);
    expect(run).toMatchObject({ passes: 2, trigger: 'retry', counts: { invoiced: 1 } });
  });

  it('schedules the monthly close in UTC and refuses an invalid BILLING_RUN_CRON', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(clock, {}, { env: { BILLING_RUN_CRON: '5 0 1 * *' } });
    const job = t.app.get(SchedulerRegistry).getCronJob(BILLING_RUN_JOB);
    expect(job.nextDate().toUTC().toISO()).toMatch(/^\d{4}-\d{2}-01T00:05:00/);
    await createCustomers(t, ['sched']);
    clock.set('2026-04-01T00:05:00Z');
    await t.app.get(BillingRunScheduler).closePreviousPeriod();
    const run = await waitFor(t, finished);
    expect(run).toMatchObject({ status: 'completed', trigger: 'schedule' });
    await expect(
      startTestApp({ env: { BILLING_RUN_CRON: 'every monday' } }).then((x) => x.close()),
    ).rejects.toThrow(/BILLING_RUN_CRON/);
  });
});
