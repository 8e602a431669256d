import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { startEmbeddedDynamoDb } from '../src/database/embedded-dynamodb';
import { BENCH_ADMIN_KEY } from './lib/app-process';
import type { Row } from './lib/report';

/** Fresh processes measured for the cold start (each loads dist/lambda.js once). */
const COLD_STARTS = 3;
/** Warm invocations per route in the last of them. */
const WARM_INVOCATIONS = 300;

interface ProbeResult {
  load: number;
  firstHealth: number;
  firstCustomer: number;
  warm: { health: number[]; customer: number[] };
  seconds: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (values: number[]) => percentile(values, 50);

/** Runs bench/lambda.probe.ts in a new Node process, as a fresh Lambda container would be. */
function probe(env: Record<string, string>, args: string[]): Promise<unknown> {
  const root = resolve(__dirname, '..');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', resolve(__dirname, 'lambda.probe.ts'), ...args],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  return new Promise((done, fail) => {
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`lambda probe exited with ${code}`));
      const line = out.trim().split('\n').pop() ?? '';
      done(JSON.parse(line) as unknown);
    });
  });
}

/**
 * The Lambda `http` handler (dist/lambda.js) on a DynamoDB Local: cold start (module load, then
 * the first invocation, which creates the Nest application, and the first read of a customer)
 * in fresh processes, then warm invocations in one of them, one at a time as Lambda sends them.
 */
export async function benchLambda(): Promise<Row[]> {
  const store = await startEmbeddedDynamoDb({});
  try {
    const env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DYNAMODB_ENDPOINT: store.endpoint,
      DYNAMODB_TABLE: `bench_lambda_${randomBytes(4).toString('hex')}`,
      BILLING_API_KEYS: `bench:admin:${BENCH_ADMIN_KEY}`,
      BENCH_ADMIN_KEY,
    };
    await probe(env, ['seed']);
    const runs: ProbeResult[] = [];
    for (let i = 0; i < COLD_STARTS; i += 1) {
      const warm = i === COLD_STARTS - 1 ? WARM_INVOCATIONS : 0;
      runs.push((await probe(env, ['measure', String(warm)])) as ProbeResult);
    }
    const last = runs[runs.length - 1];
    const cold = (name: string, pick: (r: ProbeResult) => number): Row => ({
      name: `lambda cold: ${name} (median of ${COLD_STARTS} processes)`,
      p50: median(runs.map(pick)),
    });
    const warm = (name: string, values: number[]): Row => ({
      name: `lambda warm: ${name} (${values.length} invocations)`,
      rate: 1000 / (values.reduce((a, b) => a + b, 0) / values.length),
      unit: 'inv/s',
      p50: percentile(values, 50),
      p99: percentile(values, 99),
    });
    return [
      cold('module load (require dist/lambda.js)', (r) => r.load),
      cold('first http GET /health/live (app created)', (r) => r.firstHealth),
      cold('then first GET /v1/customers/:id', (r) => r.firstCustomer),
      cold('load + both first invocations', (r) => r.load + r.firstHealth + r.firstCustomer),
      warm('GET /health/live', last.warm.health),
      warm('GET /v1/customers/:id', last.warm.customer),
    ];
  } finally {
    await store.stop();
  }
}
