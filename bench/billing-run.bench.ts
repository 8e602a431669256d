import { createProbeTable, makeDocClient, putConditional, runLoad } from './probe/store-probe';
import { api, BENCH_ADMIN_KEY, type BenchApp, startBenchApp } from './lib/app-process';
import type { Row } from './lib/report';
import { startFakeStripe } from '../test/fakes/fake-stripe';

/** The target of issue 8: a run closes at least this many customers per second, Stripe off. */
const TARGET_CUSTOMERS_PER_SEC = 200;
const SEED_CONCURRENCY = 32;

interface RunBody {
  status: string;
  startedAt: string;
  finishedAt: string | null;
  counts: { customers: number; invoiced: number; failed: number };
}

interface Measured {
  customers: number;
  seconds: number;
  rate: number;
  failed: number;
}

/** The month before the current one (UTC), which is what a run closes. */
function previousPeriod(): { id: string; lastDay: Date } {
  const now = new Date();
  const lastDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0, 12));
  return { id: lastDay.toISOString().slice(0, 7), lastDay };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * `count` customers on the paid plan, each with 1,500 units on the last day of the previous
 * month, so every invoice has a priced line (and, with Stripe, is pushed there).
 */
async function seed(app: BenchApp, count: number): Promise<number> {
  const started = performance.now();
  const ids = Array.from({ length: count }, (_, i) => `run-${String(i).padStart(6, '0')}`);
  await pool(ids, SEED_CONCURRENCY, async (id) => {
    const res = await api(app, 'POST', '/v1/customers', {
      id,
      email: `${id}@bench.test`,
      name: `Customer ${id}`,
      planId: 'paid',
    });
    if (res.status !== 201) throw new Error(`customer ${id}: ${res.status}`);
  });
  const timestamp = previousPeriod().lastDay.toISOString();
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  await pool(batches, 2, async (batch) => {
    const res = await api(app, 'POST', '/v1/usage/batch', {
      events: batch.map((customerId) => ({
        customerId,
        endpoint: '/api/search',
        quantity: 1500,
        timestamp,
        eventId: `seed-${customerId}`,
      })),
    });
    const accepted = (res.body as { accepted?: number }).accepted;
    if (accepted !== batch.length) throw new Error(`usage seed: ${JSON.stringify(res.body)}`);
  });
  return count / ((performance.now() - started) / 1000);
}

/**
 * Waits until the event relay has published the seed's events. Seeding writes an outbox item
 * per customer (`billing.customer.created`) within a minute or two; a run started at once would
 * share the store with the relay working through that backlog, which is not what a monthly run
 * meets (customers are created over the month). The run's own events still count.
 */
async function waitForOutbox(app: BenchApp, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    const pending = /^outbox_pending_events (\d+)/m.exec(metrics);
    if (!pending || pending[1] === '0') return; // no gauge (publishing off): nothing to wait for
    if (Date.now() > deadline) throw new Error(`outbox still holds ${pending[1]} events`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Starts the run for the previous month and waits for it; times come from the run itself. */
async function measureRun(app: BenchApp): Promise<Measured> {
  const period = previousPeriod().id;
  const res = await api(app, 'POST', '/v1/billing-runs', { period });
  if (res.status !== 202) throw new Error(`POST billing-runs: ${res.status}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const run = (await api(app, 'GET', `/v1/billing-runs/${period}`)).body as RunBody;
    if (run.status === 'running') continue;
    const seconds = (Date.parse(run.finishedAt!) - Date.parse(run.startedAt)) / 1000;
    return {
      customers: run.counts.customers,
      seconds,
      rate: run.counts.customers / seconds,
      failed: run.counts.failed,
    };
  }
}

/** The store's own conditional-put rate right now: the yardstick on a shared, noisy machine. */
async function rawPutRate(app: BenchApp): Promise<number> {
  const doc = makeDocClient(app.storeEndpoint, { maxSockets: 64 });
  try {
    await createProbeTable(doc, 'bench_raw_runs');
    const options = { concurrency: 16, durationMs: 4000, warmupMs: 1000 };
    return (await runLoad('raw-put', 'raw', putConditional(doc, 'bench_raw_runs'), options))
      .eventsPerSec;
  } finally {
    doc.destroy();
  }
}

/** Downloads a CSV report to the end; its data rows and how long the whole file took. */
async function downloadCsv(app: BenchApp, path: string): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${BENCH_ADMIN_KEY}` },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  const text = await res.text();
  return { rows: text.split('\r\n').length - 2, ms: performance.now() - started };
}

async function runAt(count: number, env: Record<string, string>, reports = false) {
  // A fresh app and store for each size, so the larger run does not skip the smaller's work.
  const app = await startBenchApp({ USAGE_MAX_AGE_DAYS: '62', ...env });
  try {
    const seedRate = await seed(app, count);
    await waitForOutbox(app);
    const run = await measureRun(app);
    // After the run, when the store's JVM is warm, as it was for most of the run.
    const rawPut = await rawPutRate(app);
    const period = previousPeriod().id;
    const csv = reports
      ? {
          billing: await downloadCsv(app, `/v1/reports/billing?period=${period}&format=csv`),
          usage: await downloadCsv(
            app,
            `/v1/reports/usage?from=${period}-01&to=${new Date().toISOString().slice(0, 8)}01&groupBy=customer&format=csv`,
          ),
        }
      : undefined;
    return { rawPut, seedRate, run, csv };
  } finally {
    await app.stop();
  }
}

function rowsFor(label: string, small: Measured, large: Measured, target?: number): Row[] {
  return [
    {
      name: `billing run, ${small.customers.toLocaleString('en-US')} customers (${label})`,
      rate: small.rate,
      unit: 'customers/s',
      ...(target
        ? { ratio: small.rate / target, target: 1, against: `${target} customers/s` }
        : {}),
      failures: small.failed,
    },
    {
      name: `billing run, ${large.customers.toLocaleString('en-US')} customers (${label})`,
      rate: large.rate,
      unit: 'customers/s',
      // Linear time means the same rate at 10× the customers.
      ratio: large.rate / small.rate,
      target: 0.8,
      against: `rate at ${small.customers.toLocaleString('en-US')}`,
      failures: large.failed,
    },
  ];
}

/**
 * Billing runs at 1,000 and 10,000 customers: Stripe off (target ≥ 200 customers/s, time linear
 * in customers), and optionally against the fake Stripe API (every invoice pushed: customer
 * lookup, invoice, item, finalize), where Stripe's round trips dominate.
 */
export async function benchBillingRuns(
  options: { sizes?: [number, number]; withStripe?: boolean; stripeSizes?: [number, number] } = {},
): Promise<Row[]> {
  const [small, large] = options.sizes ?? [1_000, 10_000];
  const rows: Row[] = [];
  const offSmall = await runAt(small, {});
  const offLarge = await runAt(large, {}, true);
  rows.push(
    { name: 'raw conditional PutItem (same store)', rate: offLarge.rawPut, unit: 'items/s' },
    { name: 'seeding customers + usage', rate: offLarge.seedRate, unit: 'customers/s' },
  );
  rows.push(...rowsFor('Stripe off', offSmall.run, offLarge.run, TARGET_CUSTOMERS_PER_SEC));
  for (const [name, csv] of Object.entries(offLarge.csv ?? {})) {
    rows.push({
      name: `${name} report CSV, ${csv.rows.toLocaleString('en-US')} customer rows`,
      rate: csv.rows / (csv.ms / 1000),
      unit: 'rows/s',
    });
  }

  if (options.withStripe) {
    const stripe = await startFakeStripe();
    const env = {
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_HOST: stripe.host,
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_PROTOCOL: 'http',
    };
    try {
      const [sSmall, sLarge] = options.stripeSizes ?? [small, large];
      const onSmall = await runAt(sSmall, env);
      stripe.reset();
      const onLarge = await runAt(sLarge, env);
      rows.push(...rowsFor('fake Stripe', onSmall.run, onLarge.run));
    } finally {
      await stripe.close();
    }
  }
  return rows;
}
