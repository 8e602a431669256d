import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../src/database/embedded-dynamodb';

export const BENCH_ADMIN_KEY = 'bench_admin_key_0123456789abcdef';

/** The node flags `npm start` runs the app with (package.json), so the bench measures that. */
export const APP_NODE_FLAGS: string[] = startScriptFlags(
  (
    JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.start,
);

/** `node <flags> dist/main.js` → the flags. */
export function startScriptFlags(start: string): string[] {
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/main\.js$/.exec(start);
  if (!match) throw new Error(`unexpected start script: ${start}`);
  return match[1].split(' ').filter(Boolean);
}

export interface BenchApp {
  baseUrl: string;
  storeEndpoint: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the built app (`dist/main.js`) exactly as `npm start` does, on its embedded DynamoDB
 * Local (in memory), with a store port we choose so the raw-store measurements hit the same JVM.
 */
export async function startBenchApp(env: Record<string, string> = {}): Promise<BenchApp> {
  const [port, storePort] = [await freePort(), await freePort()];
  // BENCH_APP_DIST: another build output (e.g. to compare two builds without rebuilding dist/).
  // BENCH_APP_NODE_ARGS: the app's node flags instead of `npm start`'s, e.g. to add
  // `--cpu-prof --cpu-prof-dir=prof`, or "" for none.
  const dist = process.env.BENCH_APP_DIST ?? 'dist';
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? APP_NODE_FLAGS.join(' '))
    .split(' ')
    .filter(Boolean);
  const main = resolve(__dirname, '../..', dist, 'main.js');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: resolve(__dirname, '../..'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'development',
      PORT: String(port),
      DYNAMODB_LOCAL_IN_MEMORY: 'true',
      DYNAMODB_LOCAL_PORT: String(storePort),
      BILLING_API_KEYS: `bench:admin:${BENCH_ADMIN_KEY}`,
      BILLING_RUN_CRON: 'off',
      // The limiter runs and counts every request, but the loads must not be refused (429s are
      // cheap answers that would flatter the rates).
      RATE_LIMIT_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error('app did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    storeEndpoint: `http://127.0.0.1:${storePort}`,
    child,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export async function api(
  app: BenchApp,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}
