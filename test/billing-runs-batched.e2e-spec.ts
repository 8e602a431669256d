import { InvoicesRepository } from '../src/billing/invoices.repository';
import { ProviderInvoicesService } from '../src/billing/provider-invoices.service';
import { BillingRunOptions } from '../src/billing/runs/billing-run.options';
import type { Invoice } from '../src/billing/invoice.model';
import { Clock } from '../src/common/time/clock';
import { PlansService } from '../src/plans/plans.service';
import { type FakeEventBridge, startFakeEventBridge } from './fakes/fake-eventbridge';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp, testConfig } from './support/test-app';

/**
 * Billing runs bill customers in chunks (one batch read, one batch close, one block of numbers,
 * one transaction per chunk). These tests hold the chunked path to what the single-invoice API
 * does, and to the per-customer path whenever a chunk meets an invoice someone else made.
 */

const MARCH_START = '2026-03-01T00:00:00Z';
const IN_MARCH = '2026-03-10T12:00:00Z';
const APRIL_1ST = '2026-04-01T00:10:00Z';
const MARCH = '2026-03';

interface Run {
  status: string;
  passes: number;
  counts: { customers: number; invoiced: number; failed: number; skipped: number };
}

interface AuditRecordBody {
  operation: string;
  actor: { type: string };
  before?: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** A plan with every kind of invoice line: tiered usage, per-unit usage, base fee, minimum. */
const METERED = {
  id: 'metered',
  name: 'Metered',
  currency: 'USD',
  baseFee: '20.00',
  minimumCharge: '25.00',
  charges: [
    {
      id: 'calls',
      endpoint: '/api/*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 1000, unitAmount: '0' },
        { upTo: null, unitAmount: '0.01' },
      ],
    },
    {
      id: 'exports',
      endpoint: '/export',
      aggregation: 'count',
      model: 'per_unit',
      unitAmount: '0.5',
    },
  ],
};

/** Usage profiles: none (minimum top-up), some, lots (several lines), and other plans. */
const PROFILES: { name: string; planId: string; usage: [string, number][] }[] = [
  { name: 'none', planId: 'metered', usage: [] },
  { name: 'some', planId: 'metered', usage: [['/api/search', 1500]] },
  {
    name: 'lots',
    planId: 'metered',
    usage: [
      ['/api/search', 5000],
      ['/export', 1],
      ['/export', 1],
      ['/export', 1],
    ],
  },
  { name: 'paid', planId: 'paid', usage: [['/api/search', 1500]] },
  { name: 'free', planId: 'free', usage: [['/api/search', 10]] }, // nothing due: paid at once
];

/** What an invoice is, apart from who it is for and when it was written. */
const substance = (i: Invoice) => ({
  currency: i.currency,
  status: i.status,
  lines: i.lines,
  subtotal: i.subtotal,
  baseFee: i.baseFee,
  minimumTopUp: i.minimumTopUp,
  total: i.total,
  amountPaid: i.amountPaid,
  paymentAttempts: i.paymentAttempts,
  provider: i.provider,
  paid: i.paidAt !== undefined,
  finalized: i.finalizedAt !== undefined,
});

/** An invoice event's detail without the fields that name the customer, invoice or moment. */
const eventSubstance = (detail: Record<string, unknown>) => {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { eventId, occurredAt, customerId, invoiceId, number, ...rest } = detail;
  return rest;
};

describe('Billing runs, chunked (e2e)', () => {
  const apps: TestApp[] = [];
  let bus: FakeEventBridge;
  let stripe: FakeStripe;

  beforeAll(async () => {
    [bus, stripe] = await Promise.all([startFakeEventBridge(), startFakeStripe()]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    bus.reset();
    stripe.reset();
  });
  afterAll(async () => {
    await Promise.all([bus.close(), stripe.close()]);
    jest.restoreAllMocks();
  });

  async function start(
    clock: FakeClock,
    env: Record<string, string> = {},
    options: Partial<BillingRunOptions> = {},
  ): Promise<TestApp> {
    const t = await startTestApp({
      config: testConfig({ EVENTBRIDGE_BUS: 'bus', EVENTBRIDGE_ENDPOINT: bus.url, ...env }),
      overrides: [
        [Clock, clock],
        [BillingRunOptions, new BillingRunOptions({ checkpointIntervalMs: 50, ...options })],
      ],
    });
    apps.push(t);
    return t;
  }

  const stripeEnv = () => ({
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_API_HOST: stripe.host,
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: 'http',
  });

  const createCustomer = (t: TestApp, id: string, planId: string) =>
    t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
  const track = (t: TestApp, customerId: string, endpoint: string, quantity: number, at: string) =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId, endpoint, quantity, timestamp: at });
  const createInvoice = (t: TestApp, customerId: string) =>
    t.http.post('/v1/invoices').set(t.auth()).send({ customerId, period: MARCH });
  const finalize = (t: TestApp, invoiceId: string) =>
    t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(t.auth());
  const invoiceOf = async (t: TestApp, customerId: string): Promise<Invoice> => {
    const res = await t.http.get(`/v1/customers/${customerId}/invoices`).set(t.auth('read'));
    expect(res.body.data).toHaveLength(1);
    return res.body.data[0] as Invoice;
  };
  const auditOf = async (t: TestApp, invoiceId: string): Promise<AuditRecordBody[]> =>
    (
      await t.http
        .get('/v1/audit')
        .query({ entityType: 'invoice', entityId: invoiceId })
        .set(t.auth())
        .expect(200)
    ).body.data as AuditRecordBody[];

  async function runMarch(t: TestApp): Promise<Run> {
    await t.http.post('/v1/billing-runs').set(t.auth()).send({ period: MARCH }).expect(202);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = (await t.http.get(`/v1/billing-runs/${MARCH}`).set(t.auth('read')).expect(200))
        .body as Run;
      if (run.status !== 'running') return run;
      if (Date.now() > deadline) throw new Error(`run not done: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Invoice events published for a customer, by type, once the relay has sent `count` of them. */
  async function invoiceEvents(count: number) {
    const deadline = Date.now() + 10_000;
    const all = () => [
      ...bus.entriesOfType('billing.invoice.created'),
      ...bus.entriesOfType('billing.invoice.finalized'),
    ];
    while (all().length < count) {
      if (Date.now() > deadline) throw new Error(`${all().length} of ${count} invoice events`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300)); // nothing more should come
    return (customerId: string, type: string) =>
      all()
        .filter((e) => e.detailType === type)
        .map((e) => e.detail as Record<string, unknown>)
        .filter((d) => d.customerId === customerId);
  }

  it('makes the invoices, events and audit records the single-invoice API makes for the same usage', async () => {
    const clock = new FakeClock(MARCH_START);
    const t = await start(clock);
    await t.http.post('/v1/plans').set(t.auth()).send(METERED).expect(201);
    for (const p of PROFILES) {
      for (const who of ['run', 'api']) await createCustomer(t, `${who}-${p.name}`, p.planId);
    }
    clock.set(IN_MARCH);
    for (const p of PROFILES) {
      for (const who of ['run', 'api']) {
        const id = `${who}-${p.name}`;
        for (const [endpoint, quantity] of p.usage) {
          await track(t, id, endpoint, quantity, IN_MARCH).expect(201);
        }
      }
    }
    clock.set(APRIL_1ST);
    // The API twins are invoiced one at a time; the run finds them done and bills the rest.
    for (const p of PROFILES) {
      const draft = await createInvoice(t, `api-${p.name}`).expect(201);
      clock.advance(1000);
      await finalize(t, draft.body.id).expect(200);
    }
    const plans = jest.spyOn(t.app.get(PlansService), 'listVersions');

    const run = await runMarch(t);
    expect(run).toMatchObject({
      status: 'completed',
      counts: { customers: 10, invoiced: 10, failed: 0, skipped: 0 },
    });
    // Plan versions are read once per plan for the whole run, not once per customer.
    const planReads = plans.mock.calls.map(([planId]) => planId);
    expect(new Set(planReads).size).toBe(planReads.length);

    const events = await invoiceEvents(4 * PROFILES.length);
    const numbers = new Set<string>();
    for (const p of PROFILES) {
      const batched = await invoiceOf(t, `run-${p.name}`);
      const single = await invoiceOf(t, `api-${p.name}`);
      expect(batched).toMatchObject({ id: `inv_run-${p.name}_${MARCH}`, period: MARCH });
      expect(substance(batched)).toEqual(substance(single));
      expect(batched.status).toBe(p.name === 'free' ? 'paid' : 'open');
      expect(batched.number).toMatch(/^INV-202603-\d{6}$/);
      numbers.add(batched.number).add(single.number);

      // Consumers see the same two events, created (as a draft) and finalized.
      for (const type of ['billing.invoice.created', 'billing.invoice.finalized']) {
        const mine = events(`run-${p.name}`, type);
        const twin = events(`api-${p.name}`, type);
        expect(mine).toHaveLength(1);
        expect(twin).toHaveLength(1);
        expect(mine[0]).toMatchObject({ invoiceId: batched.id, number: batched.number });
        expect(eventSubstance(mine[0])).toEqual(eventSubstance(twin[0]));
      }

      // The run wrote the invoice once, final: one audit record, showing it as the API's last
      // record shows its twin.
      const [record, ...older] = await auditOf(t, batched.id);
      expect(older).toHaveLength(0);
      const twinRecords = await auditOf(t, single.id);
      expect(twinRecords.map((r) => r.operation)).toEqual([
        `invoice.${single.status}`,
        'invoice.create',
      ]);
      const [twinLatest] = twinRecords;
      // Whoever started the run (here the same API key that finalized the twin).
      expect(record).toMatchObject({ operation: 'invoice.create', actor: twinLatest.actor });
      expect({ ...record.after, number: null }).toEqual({ ...twinLatest.after, number: null });
      expect(record.after.number).toBe(batched.number);
    }
    expect(numbers.size).toBe(2 * PROFILES.length);

    // The period is frozen for the run's customers, as finalize freezes it.
    const late = await track(t, 'run-some', '/api/search', 1, '2026-03-30T10:00:00Z');
    expect(late.status).toBe(422);
    expect(late.body.error).toBe('PERIOD_CLOSED');
  });

  it('finishes drafts and skips final invoices found in a chunk, keeping their numbers', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(clock);
    const ids = ['mix-0', 'mix-1', 'mix-2', 'mix-3', 'mix-4'];
    for (const id of ids) {
      await createCustomer(t, id, 'paid');
      await track(t, id, '/api/search', 1500, IN_MARCH).expect(201);
    }
    // mix-1: a draft from mid-March; more usage came after it, so its amounts are stale.
    const draft = (await createInvoice(t, 'mix-1').expect(201)).body as Invoice;
    clock.set('2026-03-20T12:00:00Z');
    await track(t, 'mix-1', '/api/search', 1000, '2026-03-20T10:00:00Z').expect(201);
    clock.set(APRIL_1ST);
    // mix-3: finalized through the API before the run.
    const done = (await createInvoice(t, 'mix-3').expect(201)).body as Invoice;
    const final = (await finalize(t, done.id).expect(200)).body as Invoice;

    const run = await runMarch(t);
    expect(run.counts).toEqual({ customers: 5, invoiced: 5, failed: 0, skipped: 0 });
    const finished = await invoiceOf(t, 'mix-1');
    expect(finished).toMatchObject({ number: draft.number, status: 'open', total: '15.00' });
    expect(await invoiceOf(t, 'mix-3')).toEqual(final);
    for (const id of ['mix-0', 'mix-2', 'mix-4']) {
      expect(await invoiceOf(t, id)).toMatchObject({ status: 'open', total: '5.00' });
    }
    const events = await invoiceEvents(2 * ids.length);
    for (const id of ids) {
      expect(events(id, 'billing.invoice.created')).toHaveLength(1);
      expect(events(id, 'billing.invoice.finalized')).toHaveLength(1);
    }
  });

  it('falls back to the per-customer path when another writer invoices a chunk customer mid-chunk', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(clock);
    const ids = ['race-0', 'race-1', 'race-2', 'race-3', 'race-4'];
    for (const id of ids) {
      await createCustomer(t, id, 'paid');
      await track(t, id, '/api/search', 1500, IN_MARCH).expect(201);
    }
    clock.set(APRIL_1ST);
    // After the chunk has read the invoices (none) and before it writes them, race-2's invoice
    // is created and finalized through the API: the chunk's transaction must write nothing.
    const repository = t.app.get(InvoicesRepository);
    const nextNumbers = repository.nextNumbers.bind(repository);
    let theirs: Invoice | undefined;
    jest.spyOn(repository, 'nextNumbers').mockImplementation(async (period, count) => {
      if (count > 1 && !theirs) {
        const draft = (await createInvoice(t, 'race-2').expect(201)).body as Invoice;
        theirs = (await finalize(t, draft.id).expect(200)).body as Invoice;
      }
      return nextNumbers(period, count);
    });

    const run = await runMarch(t);
    expect(theirs).toBeDefined();
    expect(run.counts).toEqual({ customers: 5, invoiced: 5, failed: 0, skipped: 0 });
    expect(await invoiceOf(t, 'race-2')).toEqual(theirs);
    const numbers = new Set<string>();
    for (const id of ids) {
      const invoice = await invoiceOf(t, id);
      expect(invoice).toMatchObject({ status: 'open', total: '5.00' });
      numbers.add(invoice.number);
    }
    expect(numbers.size).toBe(ids.length);
    // The cancelled transaction published nothing: one created and one finalized per customer.
    const events = await invoiceEvents(2 * ids.length);
    for (const id of ids) {
      expect(events(id, 'billing.invoice.created')).toHaveLength(1);
      expect(events(id, 'billing.invoice.finalized')).toHaveLength(1);
    }
  });

  it('with Stripe: pushes each invoice once under its own number, also when a draft is finalized concurrently', async () => {
    const clock = new FakeClock(IN_MARCH);
    const t = await start(clock, stripeEnv());
    const ids = ['st-0', 'st-1', 'st-2', 'st-3'];
    for (const id of ids) {
      await createCustomer(t, id, 'paid');
      await track(t, id, '/api/search', 1500, IN_MARCH).expect(201);
    }
    clock.set(APRIL_1ST);
    // While the run pushes st-1, someone finalizes st-1's draft through the API (which pushes
    // too): the chunk's second transaction must not overwrite it.
    const provider = t.app.get(ProviderInvoicesService);
    const push = provider.push.bind(provider);
    let raced = false;
    jest.spyOn(provider, 'push').mockImplementation(async (invoice) => {
      const pushed = await push(invoice);
      if (invoice.customerId === 'st-1' && !raced) {
        raced = true;
        await finalize(t, invoice.id).expect(200);
      }
      return pushed;
    });

    const run = await runMarch(t);
    expect(raced).toBe(true);
    expect(run.counts).toEqual({ customers: 4, invoiced: 4, failed: 0, skipped: 0 });
    for (const id of ids) {
      const invoice = await invoiceOf(t, id);
      expect(invoice).toMatchObject({ status: 'open', total: '5.00' });
      expect(invoice.provider?.invoiceId).toMatch(/^in_/);
      const inStripe = [...stripe.state.invoices.values()].filter(
        (i: { metadata?: Record<string, string> }) => i.metadata?.invoiceId === invoice.id,
      );
      expect(inStripe).toHaveLength(1);
      expect(inStripe[0].metadata?.invoiceNumber).toBe(invoice.number);
      // Drafts first, then opened: the audit trail has the API's two records (sorted here:
      // the test's frozen clock gives both the same time).
      expect((await auditOf(t, invoice.id)).map((r) => r.operation).sort()).toEqual([
        'invoice.create',
        'invoice.open',
      ]);
    }
    const events = await invoiceEvents(2 * ids.length);
    for (const id of ids) {
      expect(events(id, 'billing.invoice.created')).toHaveLength(1);
      expect(events(id, 'billing.invoice.finalized')).toHaveLength(1);
    }
  });

  it('prices customers whose plan changed, or got a new version, mid-period like the charges API', async () => {
    const clock = new FakeClock(MARCH_START);
    const t = await start(clock);
    const basic = {
      ...METERED,
      id: 'basic',
      baseFee: '31.00',
      minimumCharge: '0',
      charges: [METERED.charges[0]],
    };
    await t.http.post('/v1/plans').set(t.auth()).send(basic).expect(201);
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({ ...basic, id: 'half', baseFee: '62.00' })
      .expect(201);
    for (const id of ['switcher', 'stayer']) await createCustomer(t, id, 'basic');
    clock.set('2026-03-05T12:00:00Z');
    await track(t, 'switcher', '/api/a', 1500, '2026-03-05T10:00:00Z').expect(201);
    await track(t, 'stayer', '/api/a', 1500, '2026-03-05T10:00:00Z').expect(201);
    clock.set('2026-03-06T00:00:00Z'); // basic v2 from here on, for everyone on it
    await t.http
      .put('/v1/plans/basic')
      .set(t.auth())
      .send({ ...basic, baseFee: '40.00' })
      .expect(200);
    clock.set('2026-03-11T00:00:00Z'); // switcher moves to half
    await t.http.patch('/v1/customers/switcher').set(t.auth()).send({ planId: 'half' }).expect(200);
    clock.set('2026-03-15T12:00:00Z');
    await track(t, 'switcher', '/api/a', 3000, '2026-03-15T10:00:00Z').expect(201);
    await track(t, 'stayer', '/api/a', 3000, '2026-03-15T10:00:00Z').expect(201);
    clock.set(APRIL_1ST);
    const charges = async (id: string) =>
      (await t.http.get(`/v1/customers/${id}/charges?period=${MARCH}`).set(t.auth('read')))
        .body as { total: string; lines: { amount: string }[]; segments: unknown[] };
    const expected = { switcher: await charges('switcher'), stayer: await charges('stayer') };

    const run = await runMarch(t);
    expect(run.counts).toEqual({ customers: 2, invoiced: 2, failed: 0, skipped: 0 });
    const switcher = await invoiceOf(t, 'switcher');
    // basic v1 5/31 of 31.00, basic v2 5/31 of 40.00, half 21/31 of 62.00; usage 500 and 2000
    // units over the free tier at 0.01.
    expect(switcher.lines.map((l) => [l.kind, l.planId, l.planVersion, l.amount])).toEqual([
      ['usage', 'basic', 1, '5.00'],
      ['usage', 'basic', 2, '0.00'],
      ['usage', 'half', 1, '20.00'],
      ['base_fee', 'basic', 1, '5.00'],
      ['base_fee', 'basic', 2, '6.45'],
      ['base_fee', 'half', 1, '42.00'],
    ]);
    expect(switcher.total).toBe('78.45');
    expect(switcher.total).toBe(expected.switcher.total);
    const stayer = await invoiceOf(t, 'stayer');
    // basic v1 5/31 of 31.00 and v2 26/31 of 40.00; usage 500 and 2000 units at 0.01.
    expect(stayer.total).toBe('63.55');
    expect(stayer.total).toBe(expected.stayer.total);
    for (const [invoice, charged] of [
      [switcher, expected.switcher],
      [stayer, expected.stayer],
    ] as const) {
      expect(invoice.lines.filter((l) => l.kind === 'usage').map((l) => l.amount)).toEqual(
        charged.lines.map((l) => l.amount),
      );
    }
  });
});
