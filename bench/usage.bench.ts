import { randomUUID } from 'node:crypto';
import {
  batchWrite,
  createProbeTable,
  makeDocClient,
  putConditional,
  runLoad,
  txEventPlusAggregate,
  txManyPuts,
} from './probe/store-probe';
import { api, BENCH_ADMIN_KEY, type BenchApp } from './lib/app-process';
import { type HttpResult, measureLatency, runHttpLoad } from './lib/http-load';
import { cpuOf, findDescendant, processCpuMs, rssMb, startBareServer } from './lib/proc';
import { planWithoutDailyLimit } from './lib/plans';
import type { Row } from './lib/report';

const CONCURRENCY = 16;
const SECONDS = 8;
const INGEST_CUSTOMERS = 50;

const unlimitedPlan = planWithoutDailyLimit('bench-unlimited', 'Bench (no daily limit)');

async function createCustomer(app: BenchApp, id: string): Promise<void> {
  const res = await api(app, 'POST', '/v1/customers', {
    id,
    email: `${id}@bench.test`,
    name: id,
    planId: unlimitedPlan.id,
  });
  if (res.status !== 201) throw new Error(`customer ${id}: ${res.status}`);
}

/** `count` events for one customer spread over the days of the current month so far. */
async function seedEvents(app: BenchApp, customerId: string, count: number): Promise<number> {
  const now = new Date();
  const days = now.getUTCDate();
  const started = performance.now();
  const batches = Math.ceil(count / 100);
  let next = 0;
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const events = Array.from({ length: Math.min(100, count - b * 100) }, (_, i) => {
        const n = b * 100 + i;
        const day = 1 + (n % days);
        const ts = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day, 0, 0, n % 3600));
        return {
          customerId,
          endpoint: `/api/v1/${n % 5}`,
          eventId: `seed-${n}`,
          timestamp: (ts > now ? now : ts).toISOString(),
        };
      });
      const res = await api(app, 'POST', '/v1/usage/batch', { events });
      const accepted = (res.body as { accepted?: number }).accepted;
      if (accepted !== events.length) throw new Error(`seed batch: ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return count / ((performance.now() - started) / 1000);
}

export async function benchUsage(app: BenchApp): Promise<Row[]> {
  const rows: Row[] = [];

  const appPid = app.child.pid!;
  // The app's embedded DynamoDB Local is its child (a JVM): CPU per event is read from both.
  const storePid = findDescendant(appPid, 'java');
  const idleRss = rssMb(appPid);
  const idleHeap = await heapUsedMb(app);

  // The store's own limits, same JVM, same concurrency, measured first so nothing else runs.
  // Exactly-once ingest is transactional, so its yardsticks are the two transactions it is made
  // of; the raw non-transactional rates are printed beside them.
  const doc = makeDocClient(app.storeEndpoint, { maxSockets: 64 });
  await createProbeTable(doc, 'bench_raw');
  const ceilings = {
    put: putConditional(doc, 'bench_raw'),
    batch: batchWrite(doc, 'bench_raw', 25),
    txPutAdd: txEventPlusAggregate(doc, 'bench_raw'),
    tx100: txManyPuts(doc, 'bench_raw', 100),
  };
  // DynamoDB Local's JIT needs a few seconds of each operation before it runs at speed.
  for (const op of Object.values(ceilings)) {
    await runLoad('warm-up', 'warm-up', op, {
      concurrency: CONCURRENCY,
      durationMs: 3000,
      warmupMs: 0,
    });
  }
  const options = { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, serverPid: storePid };
  const rawPut = await runLoad('raw-put', 'raw', ceilings.put, options);
  const rawBatch = await runLoad('raw-batch', 'raw', ceilings.batch, options);
  const txPutAdd = await runLoad('tx-put-add', 'tx', ceilings.txPutAdd, options);
  const tx100 = await runLoad('tx-100', 'tx', ceilings.tx100, options);
  doc.destroy();
  const ceilingRow = (name: string, r: typeof rawPut, unit: string, rate: number): Row => ({
    name,
    rate,
    unit,
    p50: r.p50Ms,
    p99: r.p99Ms,
  });
  rows.push(
    ceilingRow('store: raw conditional PutItem', rawPut, 'items/s', rawPut.eventsPerSec),
    ceilingRow('store: raw BatchWriteItem (25)', rawBatch, 'items/s', rawBatch.eventsPerSec),
    ceilingRow('store: TransactWrite cond. put + ADD', txPutAdd, 'tx/s', txPutAdd.opsPerSec),
    ceilingRow('store: TransactWrite 100 cond. puts', tx100, 'items/s', tx100.eventsPerSec),
    {
      name: 'store: TransactWrite(100) items / raw BatchWrite items',
      ratio: tx100.eventsPerSec / rawBatch.eventsPerSec,
      against: 'raw BatchWriteItem',
    },
  );

  await api(app, 'POST', '/v1/plans', unlimitedPlan);
  const customers = Array.from({ length: INGEST_CUSTOMERS }, (_, i) => `ingest-${i}`);
  for (const id of [...customers, 'reads-small', 'reads-big']) await createCustomer(app, id);

  // The framework's floor, on a quiet app (before the ingest loads leave work for the relay).
  const floor = await frameworkFloor(app);
  rows.push(...floor.rows);

  // Alert latency on a quiet service: alerts are evaluated after ingest by a subscriber, so
  // the loads below queue work for it (see the README).
  const latency = await alertLatency(app);

  let n = 0;
  // Warm the app's paths (and the store's for them) the same way before measuring.
  await runHttpLoad({
    label: 'warm-up',
    url: `${app.baseUrl}/v1/usage`,
    method: 'POST',
    connections: CONCURRENCY,
    durationSec: 3,
    body: () => ({ customerId: customers[n++ % customers.length], endpoint: '/api/warm' }),
  });
  const cpuBefore = cpuOf([appPid, storePid]);
  const single = await runHttpLoad({
    label: 'single ingest',
    url: `${app.baseUrl}/v1/usage`,
    method: 'POST',
    connections: CONCURRENCY,
    durationSec: SECONDS,
    body: () => ({ customerId: customers[n++ % customers.length], endpoint: '/api/search' }),
  });
  const singleCpu = cpuPerEvent('POST /v1/usage (1 event)', cpuBefore, [appPid, storePid], single);
  rows.push(
    {
      name: 'POST /v1/usage (1 event)',
      rate: single.requestsPerSec,
      unit: 'events/s',
      p50: single.p50Ms,
      p99: single.p99Ms,
      ratio: single.requestsPerSec / txPutAdd.opsPerSec,
      target: 1.0,
      against: 'TransactWrite put + ADD (tx/s)',
      failures: single.non2xx + single.errors,
    },
    {
      name: 'POST /v1/usage (1 event) vs the framework floor',
      ratio: single.requestsPerSec / floor.live.requestsPerSec,
      against: `/health/live (${(single.requestsPerSec / floor.bare.requestsPerSec).toFixed(2)} of bare Node http)`,
    },
    ...singleCpu,
  );

  /** 100-event batches for `ids` in turn, 16 connections. */
  const batchLoad = (label: string, ids: string[]) =>
    runHttpLoad({
      label,
      url: `${app.baseUrl}/v1/usage/batch`,
      method: 'POST',
      connections: CONCURRENCY,
      durationSec: SECONDS,
      itemsPerRequest: 100,
      body: () => {
        const customerId = ids[n++ % ids.length];
        return {
          events: Array.from({ length: 100 }, (_, i) => ({
            customerId,
            endpoint: `/api/${i % 4}`,
            eventId: randomUUID(),
          })),
        };
      },
    });
  const batchCpuBefore = cpuOf([appPid, storePid]);
  const batch = await batchLoad('batch ingest', customers);
  rows.push(
    {
      name: 'POST /v1/usage/batch (100 events)',
      rate: batch.itemsPerSec,
      unit: 'events/s',
      p50: batch.p50Ms,
      p99: batch.p99Ms,
      ratio: batch.itemsPerSec / tx100.eventsPerSec,
      target: 1.0,
      against: 'TransactWrite 100 puts (items/s)',
      failures: batch.non2xx + batch.errors,
    },
    {
      name: 'POST /v1/usage/batch (100 events) vs raw BatchWrite',
      ratio: batch.itemsPerSec / rawBatch.eventsPerSec,
      against: 'raw BatchWriteItem (no exactly-once)',
    },
    ...cpuPerEvent('POST /v1/usage/batch', batchCpuBefore, [appPid, storePid], batch),
  );

  // Prepaid-credit blocking on the ingest path: the same batch load for customers whose credit
  // policy is `overdraft: "block"` (with more credit than the run can spend), as a ratio to the
  // load above without it.
  const blockedCustomers = Array.from({ length: INGEST_CUSTOMERS }, (_, i) => `blocked-${i}`);
  for (const id of blockedCustomers) {
    await createCustomer(app, id);
    const grant = await api(app, 'POST', `/v1/customers/${id}/credit-grants`, {
      amount: '1000000.00',
      kind: 'purchased',
    });
    if (grant.status !== 201) throw new Error(`grant ${id}: ${grant.status}`);
    const policy = await api(app, 'PATCH', `/v1/customers/${id}`, {
      creditPolicy: { overdraft: 'block' },
    });
    if (policy.status !== 200) throw new Error(`policy ${id}: ${policy.status}`);
  }
  const blocked = await batchLoad('batch ingest, credit blocking', blockedCustomers);
  rows.push({
    name: 'POST /v1/usage/batch (100 events), credit blocking on',
    rate: blocked.itemsPerSec,
    unit: 'events/s',
    p50: blocked.p50Ms,
    p99: blocked.p99Ms,
    ratio: blocked.itemsPerSec / batch.itemsPerSec,
    against: 'the same batch load without blocking',
    failures: blocked.non2xx + blocked.errors,
  });

  // Alerts: the same batch load for customers with ten alerts each (units thresholds far above
  // what the run sends, so every event is evaluated and none fires), beside the load without.
  const alerted = Array.from({ length: INGEST_CUSTOMERS }, (_, i) => `alerted-${i}`);
  for (const id of alerted) {
    await createCustomer(app, id);
    for (let a = 0; a < 10; a++) {
      const res = await api(app, 'POST', `/v1/customers/${id}/alerts`, {
        alertId: `watch-${a}`,
        metric: 'units',
        window: a % 2 === 0 ? 'period' : 'day',
        thresholds: [{ value: String(1_000_000_000 + a) }],
      });
      if (res.status !== 201) throw new Error(`alert ${id}: ${res.status}`);
    }
  }
  const withAlerts = await batchLoad('batch ingest, ten alerts per customer', alerted);
  rows.push({
    name: 'POST /v1/usage/batch (100 events), 10 alerts per customer',
    rate: withAlerts.itemsPerSec,
    unit: 'events/s',
    p50: withAlerts.p50Ms,
    p99: withAlerts.p99Ms,
    ratio: withAlerts.itemsPerSec / batch.itemsPerSec,
    target: 0.9,
    against: 'the same batch load without alerts',
    failures: withAlerts.non2xx + withAlerts.errors,
  });
  rows.push(latency);

  await seedEvents(app, 'reads-small', 100);
  const seedRate = await seedEvents(app, 'reads-big', 100_000);
  rows.push({ name: 'seeding 100,000 events (4 × batch)', rate: seedRate, unit: 'events/s' });

  const headers = { Authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'Cache-Control': 'no-cache' };
  const read = (id: string, path: string) => () =>
    fetch(`${app.baseUrl}/v1/customers/${id}/${path}`, { headers });
  const usageSmall = await measureLatency(
    'usage 100',
    300,
    read('reads-small', 'usage?groupBy=endpoint'),
  );
  const usageBig = await measureLatency(
    'usage 100k',
    300,
    read('reads-big', 'usage?groupBy=endpoint'),
  );
  const chargesSmall = await measureLatency('charges 100', 300, read('reads-small', 'charges'));
  const chargesBig = await measureLatency('charges 100k', 300, read('reads-big', 'charges'));
  rows.push(
    { name: 'GET usage, 100 events (uncached)', p50: usageSmall.p50Ms, p99: usageSmall.p99Ms },
    {
      name: 'GET usage, 100,000 events (uncached)',
      p50: usageBig.p50Ms,
      p99: usageBig.p99Ms,
      ratio: usageBig.p50Ms / usageSmall.p50Ms,
      target: 1.5,
      targetIsMax: true,
      against: 'p50 at 100 events',
    },
    { name: 'GET charges, 100 events', p50: chargesSmall.p50Ms, p99: chargesSmall.p99Ms },
    {
      name: 'GET charges, 100,000 events',
      p50: chargesBig.p50Ms,
      p99: chargesBig.p99Ms,
      ratio: chargesBig.p50Ms / chargesSmall.p50Ms,
      target: 1.5,
      targetIsMax: true,
      against: 'p50 at 100 events',
    },
  );

  const loadedRss = rssMb(appPid);
  const loadedHeap = await heapUsedMb(app);
  rows.push(
    { name: 'app RSS at idle (after start)', rate: idleRss, unit: 'MB' },
    { name: 'app V8 heap used at idle', rate: idleHeap, unit: 'MB' },
    { name: 'app V8 heap used after the loads', rate: loadedHeap, unit: 'MB' },
    {
      name: 'app RSS after the loads',
      rate: loadedRss,
      unit: 'MB',
      ratio: loadedRss,
      target: 150,
      targetIsMax: true,
      against: 'MB',
    },
  );
  return rows;
}

/**
 * From the acknowledgement of an event that crosses a threshold to the alert being triggered
 * (its trigger record and `billing.alert.triggered` outbox item are written in one transaction,
 * so that is when the event is in the outbox): one customer, 30 crossings in turn, on a quiet
 * service (alerts are evaluated after ingest, by a subscriber: under load they queue).
 */
async function alertLatency(app: BenchApp): Promise<Row> {
  const id = 'alert-latency';
  await createCustomer(app, id);
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const alertId = `cross-${i}`;
    const res = await api(app, 'POST', `/v1/customers/${id}/alerts`, {
      alertId,
      metric: 'units',
      window: 'period',
      thresholds: [{ value: String(i + 1) }],
    });
    if (res.status !== 201) throw new Error(`alert: ${res.status}`);
    const sent = await api(app, 'POST', '/v1/usage', { customerId: id, endpoint: '/api/x' });
    if (sent.status !== 201) throw new Error(`usage: ${sent.status}`);
    const acknowledged = performance.now();
    for (;;) {
      const alert = await api(app, 'GET', `/v1/customers/${id}/alerts/${alertId}`);
      const [threshold] = (alert.body as { thresholds: { state: string }[] }).thresholds;
      if (threshold.state === 'triggered') break;
      if (performance.now() - acknowledged > 30_000) throw new Error('alert never triggered');
      await new Promise((r) => setTimeout(r, 5));
    }
    samples.push(performance.now() - acknowledged);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return {
    name: 'alert: usage acknowledged → triggered (in the outbox)',
    unit: 'ms',
    p50: at(0.5),
    p99: at(0.99),
    ratio: at(0.5) / 1000,
    target: 1,
    targetIsMax: true,
    against: 'p50 vs 1 s',
  };
}

/**
 * CPU time of the app and of its DynamoDB Local per event ingested during a load, from
 * /proc/<pid>/stat (utime + stime, 10 ms ticks), so independent of how busy the machine was.
 */
function cpuPerEvent(
  name: string,
  before: number[],
  pids: (number | undefined)[],
  load: HttpResult,
): Row[] {
  const after = cpuOf(pids);
  const [app, store] = after.map((ms, i) => ((ms - before[i]) * 1000) / load.items);
  return [
    { name: `${name}: app CPU per event`, rate: app, unit: 'µs', digits: 1 },
    { name: `${name}: DynamoDB Local CPU per event`, rate: store, unit: 'µs', digits: 1 },
  ];
}

/**
 * `/health/live` (no guard, throttler, interceptor or I/O), a bare Node `http` server in a
 * process of its own answering the same bytes, and the cached `GET /v1/customers/:id` against
 * both; then each from one client for the request's own latency.
 */
async function frameworkFloor(
  app: BenchApp,
): Promise<{ rows: Row[]; live: HttpResult; bare: HttpResult }> {
  const sample = await fetch(`${app.baseUrl}/health/live`);
  const headers: Record<string, string> = {};
  sample.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name))
      headers[name] = value;
  });
  const bareServer = await startBareServer(await sample.text(), headers);
  const customerUrl = `${app.baseUrl}/v1/customers/reads-small`;
  try {
    // Throughput on a shared machine moves with whatever else runs; the CPU time each request
    // costs the server process (/proc, utime + stime) does not, so both are printed.
    const cpuUs = new Map<HttpResult, number>();
    const load = async (label: string, url: string, pid = app.child.pid!) => {
      const before = processCpuMs(pid) ?? NaN;
      const result = await runHttpLoad({
        label,
        url,
        connections: CONCURRENCY,
        durationSec: SECONDS,
      });
      cpuUs.set(result, (((processCpuMs(pid) ?? NaN) - before) * 1000) / result.requests);
      return result;
    };
    await load('warm-up', `${app.baseUrl}/health/live`);
    await load('warm-up', customerUrl);
    await load('warm-up', bareServer.url, bareServer.child.pid);
    const bare = await load('bare', bareServer.url, bareServer.child.pid);
    const live = await load('live', `${app.baseUrl}/health/live`);
    const cached = await load('cached customer', customerUrl);
    const authorized = { Authorization: `Bearer ${BENCH_ADMIN_KEY}` };
    // Under 16 saturating connections latency is queueing (connections / throughput, Little's
    // law), so the request's own latency is measured from one client.
    const liveOne = await measureLatency('live, 1 client', 2000, () =>
      fetch(`${app.baseUrl}/health/live`),
    );
    const cachedOne = await measureLatency('cached, 1 client', 2000, () =>
      fetch(customerUrl, { headers: authorized }),
    );
    const rate = (name: string, r: HttpResult): Row => ({
      name,
      rate: r.requestsPerSec,
      unit: 'req/s',
      p50: r.p50Ms,
      p99: r.p99Ms,
      failures: r.non2xx + r.errors,
    });
    const rows: Row[] = [
      rate('bare Node http, same bytes as /health/live', bare),
      {
        ...rate('GET /health/live (no guard, I/O)', live),
        ratio: live.requestsPerSec / bare.requestsPerSec,
        target: 0.5,
        against: 'bare Node http',
      },
      {
        ...rate('GET /v1/customers/:id (cached)', cached),
        ratio: cached.requestsPerSec / live.requestsPerSec,
        target: 0.8,
        against: `/health/live (${(cached.requestsPerSec / bare.requestsPerSec).toFixed(2)} of bare)`,
      },
      ...(
        [
          ['bare Node http', bare, undefined],
          ['GET /health/live', live, bare],
          ['GET /v1/customers/:id (cached)', cached, live],
        ] as const
      ).map(([name, r, base]): Row => ({
        name: `${name}: server CPU per request`,
        rate: cpuUs.get(r),
        unit: 'µs',
        digits: 1,
        // As a throughput ratio: the reference's CPU per request over this one's.
        ratio: base ? cpuUs.get(base)! / cpuUs.get(r)! : undefined,
        against: base === bare ? 'bare Node http (CPU)' : base ? '/health/live (CPU)' : undefined,
      })),
      { name: 'GET /health/live, 1 client', p50: liveOne.p50Ms, p99: liveOne.p99Ms },
      {
        name: 'GET /v1/customers/:id (cached), 1 client',
        p50: cachedOne.p50Ms,
        p99: cachedOne.p99Ms,
        ratio: cachedOne.p99Ms,
        target: 5,
        targetIsMax: true,
        against: 'p99 ms',
        failures: cachedOne.failures,
      },
    ];
    return { rows, live, bare };
  } finally {
    await bareServer.stop();
  }
}

/** The app's V8 heap in use (MB), from its own Prometheus metrics. */
async function heapUsedMb(app: BenchApp): Promise<number> {
  const text = await fetch(`${app.baseUrl}/metrics`).then((r) => r.text());
  const match = /^nodejs_heap_size_used_bytes (\S+)/m.exec(text);
  return match ? Number(match[1]) / 1024 / 1024 : NaN;
}
