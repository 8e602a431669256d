import { randomUUID } from 'node:crypto';
import { startDynamoLocal } from './probe/store-probe';
import { api, BENCH_ADMIN_KEY, type BenchApp, startBenchApp } from './lib/app-process';
import { planWithoutDailyLimit } from './lib/plans';
import type { Row } from './lib/report';
import { type MeterTotals, StoreMeter } from './lib/store-meter';

/**
 * DynamoDB on-demand prices, us-east-1, standard table class, after the price cut of
 * 1 November 2024 (https://aws.amazon.com/dynamodb/pricing/on-demand/, checked 2026-12-05):
 * $0.625 per million write request units, $0.125 per million read request units.
 */
const USD_PER_MILLION_WRU = 0.625;
const USD_PER_MILLION_RRU = 0.125;
const PRICE_NOTE = 'us-east-1 on-demand, $0.625/M WRU, $0.125/M RRU (2024-11 prices)';
const SECONDS_PER_MONTH = 30 * 86_400;

const plan = planWithoutDailyLimit('cost-unlimited', 'Cost (no daily limit)');

interface Measured {
  totals: MeterTotals;
  seconds: number;
}

/**
 * Request units per operation, counted at the store (see StoreMeter): a fresh app on a DynamoDB
 * Local of its own, behind the meter, driven one request at a time (so nothing coalesces that
 * would not on a quiet service) and, for ingest, until the outbox relay has claimed, published
 * and deleted what the writes put in the outbox.
 */
export async function benchCosts(): Promise<{ rows: Row[]; details: string }> {
  const store = await startDynamoLocal();
  const meter = new StoreMeter(store.endpoint);
  const endpoint = await meter.start();
  let app: BenchApp | undefined;
  try {
    app = await startBenchApp({ DYNAMODB_ENDPOINT: endpoint, USAGE_MAX_AGE_DAYS: '62' });
    return await measure(app, meter);
  } finally {
    await app?.stop();
    await meter.stop();
    await store.stop();
  }
}

async function measure(
  app: BenchApp,
  meter: StoreMeter,
): Promise<{ rows: Row[]; details: string }> {
  const customer = async (id: string, planId: string) => {
    const res = await api(app, 'POST', '/v1/customers', {
      id,
      email: `${id}@bench.test`,
      name: id,
      planId,
    });
    if (res.status !== 201) throw new Error(`customer ${id}: ${res.status}`);
  };
  await api(app, 'POST', '/v1/plans', plan);
  const ingestCustomers = Array.from({ length: 10 }, (_, i) => `cost-${i}`);
  for (const id of [...ingestCustomers, 'cost-reads-small', 'cost-reads-big'])
    await customer(id, plan.id);
  const previous = previousPeriod();
  const invoiced = Array.from({ length: 10 }, (_, i) => `inv-${i}`);
  const runCustomers = Array.from({ length: 40 }, (_, i) => `run-${i}`);
  for (const id of [...invoiced, ...runCustomers]) {
    await customer(id, 'paid');
    await sendBatch(app, id, 20, previous.lastDay.toISOString());
  }
  await sendBatch(app, 'cost-reads-small', 100);
  for (let i = 0; i < 20; i++) await sendBatch(app, 'cost-reads-big', 100);
  await settle(app, meter);

  // What a quiet service costs per second: the relay's and subscribers' polling.
  const idle = await window(meter, () => new Promise((r) => setTimeout(r, 10_000)));
  const idleRru = idle.totals.rru / idle.seconds;
  const idleWru = idle.totals.wru / idle.seconds;
  /** Units of a window less what polling costs in that time. */
  const net = (m: Measured) => ({
    wru: m.totals.wru - idleWru * m.seconds,
    rru: m.totals.rru - idleRru * m.seconds,
  });

  const SINGLE = 200;
  let n = 0;
  const single = await window(meter, async () => {
    for (let i = 0; i < SINGLE; i++) {
      const res = await api(app, 'POST', '/v1/usage', {
        customerId: ingestCustomers[n++ % ingestCustomers.length],
        endpoint: `/api/${i % 4}`,
      });
      if (res.status !== 201) throw new Error(`usage: ${res.status}`);
    }
    await settle(app, meter);
  });
  // The same under 16 concurrent clients: the writer coalesces their events into shared
  // transactions (and outbox items), as it does under any real load.
  const COALESCED = 800;
  const coalesced = await window(meter, async () => {
    let sent = 0;
    const worker = async () => {
      while (sent < COALESCED) {
        const i = sent++;
        const res = await api(app, 'POST', '/v1/usage', {
          customerId: ingestCustomers[i % ingestCustomers.length],
          endpoint: `/api/${i % 4}`,
        });
        if (res.status !== 201) throw new Error(`usage: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await settle(app, meter);
  });
  const BATCHES = 20;
  const batch = await window(meter, async () => {
    for (let i = 0; i < BATCHES; i++)
      await sendBatch(app, ingestCustomers[i % ingestCustomers.length], 100);
    await settle(app, meter);
  });

  const headers = { Authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'Cache-Control': 'no-cache' };
  const READS = 20;
  const reads = (path: string) =>
    window(meter, async () => {
      for (let i = 0; i < READS; i++) {
        const res = await fetch(`${app.baseUrl}${path}`, { headers });
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        await res.arrayBuffer();
      }
    });
  const usageSmall = await reads('/v1/customers/cost-reads-small/usage?groupBy=endpoint');
  const usageBig = await reads('/v1/customers/cost-reads-big/usage?groupBy=endpoint');
  const chargesSmall = await reads('/v1/customers/cost-reads-small/charges');
  const chargesBig = await reads('/v1/customers/cost-reads-big/charges');

  const invoices = await window(meter, async () => {
    for (const id of invoiced) {
      const created = await api(app, 'POST', '/v1/invoices', {
        customerId: id,
        period: previous.id,
      });
      if (created.status !== 201) throw new Error(`invoice ${id}: ${created.status}`);
      const invoiceId = (created.body as { id: string }).id;
      const finalized = await api(app, 'POST', `/v1/invoices/${invoiceId}/finalize`);
      if (finalized.status !== 200) throw new Error(`finalize ${id}: ${finalized.status}`);
    }
    await settle(app, meter);
  });

  let runCustomerCount = 0;
  const run = await window(meter, async () => {
    const res = await api(app, 'POST', '/v1/billing-runs', { period: previous.id });
    if (res.status !== 202) throw new Error(`billing run: ${res.status}`);
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const body = (await api(app, 'GET', `/v1/billing-runs/${previous.id}`)).body as {
        status: string;
        counts: { customers: number };
      };
      if (body.status === 'running') continue;
      runCustomerCount = body.counts.customers;
      break;
    }
    await settle(app, meter);
  });

  const per = (m: Measured, count: number) => {
    const { wru, rru } = net(m);
    return {
      wru: wru / count,
      rru: rru / count,
      reportedWcu: m.totals.reportedWcu / count,
      reportedRcu: m.totals.reportedRcu / count,
    };
  };
  const singleUnits = per(single, SINGLE);
  const coalescedUnits = per(coalesced, COALESCED);
  const batchUnits = per(batch, BATCHES * 100);
  const rows: Row[] = [];
  const unitRow = (
    name: string,
    u: ReturnType<typeof per>,
    what: string,
    target?: number,
  ): Row[] => [
    {
      name: `${name}: WRU per ${what}`,
      rate: u.wru,
      unit: 'WRU',
      digits: 2,
      ratio: target === undefined ? undefined : u.wru,
      target,
      targetIsMax: true,
      against: `DynamoDB Local reports ${u.reportedWcu.toFixed(2)} WCU (not doubled)`,
    },
    {
      name: `${name}: RRU per ${what}`,
      rate: u.rru,
      unit: 'RRU',
      digits: 2,
      against: `DynamoDB Local reports ${u.reportedRcu.toFixed(2)} RCU`,
    },
  ];
  rows.push(
    ...unitRow('single ingest, one at a time', singleUnits, 'event'),
    ...unitRow('single ingest, 16 concurrent clients', coalescedUnits, 'event'),
    ...unitRow('batch ingest (100)', batchUnits, 'event', 3.0),
    ...unitRow('GET usage, 100 events', per(usageSmall, READS), 'read'),
    ...unitRow('GET usage, 2,000 events', per(usageBig, READS), 'read'),
    ...unitRow('GET charges, 100 events', per(chargesSmall, READS), 'read'),
    ...unitRow('GET charges, 2,000 events', per(chargesBig, READS), 'read'),
    ...unitRow('invoice create + finalize', per(invoices, invoiced.length), 'invoice'),
    ...unitRow('billing run', per(run, Math.max(1, runCustomerCount)), 'customer'),
    {
      name: 'idle service (relay and subscriber polling)',
      rate: idleRru,
      unit: 'RRU/s',
      digits: 2,
      against: `${idleWru.toFixed(2)} WRU/s`,
    },
  );
  const idleMonthly =
    (idleRru * SECONDS_PER_MONTH * USD_PER_MILLION_RRU +
      idleWru * SECONDS_PER_MONTH * USD_PER_MILLION_WRU) /
    1e6;
  for (const [label, units] of [
    ['batch ingest', batchUnits],
    ['single ingest, 16 concurrent clients', coalescedUnits],
    ['single ingest, one at a time', singleUnits],
  ] as const) {
    for (const events of [10e6, 1e9]) {
      const usd =
        (events * (units.wru * USD_PER_MILLION_WRU + units.rru * USD_PER_MILLION_RRU)) / 1e6;
      rows.push({
        name: `monthly DynamoDB cost, ${events === 10e6 ? '10 M' : '1 B'} events, ${label}`,
        rate: usd + idleMonthly,
        unit: 'USD',
        digits: 2,
        against: `${PRICE_NOTE}; idle polling ${idleMonthly.toFixed(2)} USD included`,
      });
    }
  }
  const details = [
    `Where the units go (computed, gross: the polling during each window is included; per ${SINGLE} single events, ${BATCHES * 100} batch events, idle ${idle.seconds.toFixed(1)} s):`,
    breakdown('single ingest', single, SINGLE),
    breakdown('single ingest, 16 concurrent clients', coalesced, COALESCED),
    breakdown('batch ingest', batch, BATCHES * 100),
    breakdown('invoice create + finalize', invoices, invoiced.length, 'invoice'),
    breakdown('billing run', run, Math.max(1, runCustomerCount), 'customer'),
    breakdown('idle', idle, idle.seconds, 'second'),
  ].join('\n');
  return { rows, details };
}

function breakdown(label: string, m: Measured, count: number, per = 'event'): string {
  const fmt = (map: Record<string, number>) =>
    Object.entries(map)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / count).toFixed(3)}`)
      .join(', ');
  return [
    `  ${label} (${m.seconds.toFixed(1)} s, ${m.totals.requests} requests, per ${per}):`,
    `    WRU ${(m.totals.wru / count).toFixed(3)}: ${fmt(m.totals.wruByKind)}`,
    `    RRU ${(m.totals.rru / count).toFixed(3)}: ${fmt(m.totals.rruByKind)}`,
    `    items written: ${fmt(m.totals.writesByKind)}`,
    `    operations: ${fmt(m.totals.byOperation)}${m.totals.failedWrites ? `; ${m.totals.failedWrites} failed writes` : ''}`,
  ].join('\n');
}

async function window(meter: StoreMeter, work: () => Promise<void>): Promise<Measured> {
  meter.reset();
  const started = performance.now();
  await work();
  return { totals: meter.snapshot(), seconds: (performance.now() - started) / 1000 };
}

/**
 * Waits until the outbox is empty and the store has seen no write for two seconds (the relay
 * has claimed, published and deleted everything, subscribers have run).
 */
async function settle(app: BenchApp, meter: StoreMeter, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastWrites = -1;
  let quietSince = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const t = meter.snapshot();
    const writes = Object.values(t.writesByKind).reduce((s, x) => s + x, 0) + t.failedWrites;
    if (writes !== lastWrites) {
      lastWrites = writes;
      quietSince = Date.now();
    }
    const metrics = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
    const pending = /^outbox_pending_events (\d+)/m.exec(metrics)?.[1] ?? '0';
    if (pending === '0' && Date.now() - quietSince >= 2000) return;
    if (Date.now() > deadline) throw new Error(`outbox did not settle (${pending} pending)`);
  }
}

async function sendBatch(
  app: BenchApp,
  customerId: string,
  count: number,
  timestamp?: string,
): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => ({
    customerId,
    endpoint: `/api/${i % 4}`,
    eventId: randomUUID(),
    ...(timestamp ? { timestamp } : {}),
  }));
  const res = await api(app, 'POST', '/v1/usage/batch', { events });
  const accepted = (res.body as { accepted?: number }).accepted;
  if (accepted !== count) throw new Error(`batch: ${JSON.stringify(res.body)}`);
}

/** The month before the current one (UTC). */
function previousPeriod(): { id: string; lastDay: Date } {
  const now = new Date();
  const lastDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0, 12));
  return { id: lastDay.toISOString().slice(0, 7), lastDay };
}
