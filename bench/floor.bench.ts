import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, stopProcess } from '../src/database/embedded-dynamodb';
import { type HttpResult, runHttpLoad } from './lib/http-load';
import { processCpuMs } from './lib/proc';
import type { Row } from './lib/report';
import { FLOOR_MODES, type FloorMode } from './floor/modes';

const WARMUP_SEC = 3;
const SECONDS = 8;
const CONNECTIONS = 16;
const CONTENT_TYPE = 'application/json; charset=utf-8';
const BODY = '{"status":"ok"}';

/** Printed under the table by bench/run.ts. */
export const FLOOR_NOTE =
  'framework floor: on 2 cores the load generator shares the machine with the server, so ' +
  'throughput depends on how much CPU the client gets; read the CPU ratio (bare Node http CPU ' +
  'per request over this server’s), which /proc measures for the server process alone.';

interface FloorServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** bench/floor/server.ts in a process of its own, once it answers `GET /health/live` as expected. */
async function startFloorServer(mode: FloorMode): Promise<FloorServer> {
  const root = resolve(__dirname, '..');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      resolve(__dirname, 'floor/server.ts'),
      mode,
      `${port}`,
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stop = () => stopProcess(child);
  try {
    await new Promise<void>((ready, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`${mode}: not ready after 60 s`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (/^ready /m.test(out)) {
          clearTimeout(timer);
          ready();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`${mode}: server exited with ${code}`));
      });
    });
    const url = `http://127.0.0.1:${port}/health/live`;
    const res = await fetch(url);
    const body = await res.text();
    const type = res.headers.get('content-type');
    if (res.status !== 200 || body !== BODY || type !== CONTENT_TYPE)
      throw new Error(`${mode}: GET /health/live answered ${res.status} ${type} ${body}`);
    return { url, child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface FloorResult {
  mode: FloorMode;
  load: HttpResult;
  /** Server CPU (utime + stime) per request, µs. */
  cpuUs: number;
}

async function measure(mode: FloorMode): Promise<FloorResult> {
  const server = await startFloorServer(mode);
  try {
    const pid = server.child.pid!;
    const load = (label: string, durationSec: number) =>
      runHttpLoad({ label, url: server.url, connections: CONNECTIONS, durationSec });
    await load(`${mode} warm-up`, WARMUP_SEC);
    const before = processCpuMs(pid) ?? NaN;
    const result = await load(mode, SECONDS);
    const cpuUs = (((processCpuMs(pid) ?? NaN) - before) * 1000) / result.requests;
    return { mode, load: result, cpuUs };
  } finally {
    await server.stop();
  }
}

/**
 * What a request to a minimal server costs on this machine, layer by layer: bare Node `http`,
 * bare Express and Fastify, Nest on each, then Nest with nestjs-pino (configured as the app's
 * src/common/logging.ts) and helmet. Each server runs in a process of its own and answers
 * `GET /health/live` with the same body; it is warmed up, then loaded from 16 connections, and
 * compared with bare Node http measured in the same run, by CPU per request and by throughput.
 * The app itself is not here: the usage suite measures its /health/live against bare Node.
 */
export async function benchFloor(): Promise<Row[]> {
  const results: FloorResult[] = [];
  for (const mode of Object.keys(FLOOR_MODES) as FloorMode[]) results.push(await measure(mode));
  const bare = results[0];
  return results.flatMap(({ mode, load, cpuUs }): Row[] => {
    const name = `floor: ${FLOOR_MODES[mode]}`;
    const isBare = mode === bare.mode;
    return [
      {
        name,
        rate: load.requestsPerSec,
        unit: 'req/s',
        p50: load.p50Ms,
        p99: load.p99Ms,
        ratio: isBare ? undefined : load.requestsPerSec / bare.load.requestsPerSec,
        against: isBare ? undefined : 'bare Node http (req/s)',
        failures: load.non2xx + load.errors,
      },
      {
        name: `${name}: server CPU per request`,
        rate: cpuUs,
        unit: 'µs',
        digits: 1,
        ratio: isBare ? undefined : bare.cpuUs / cpuUs,
        against: isBare ? undefined : 'bare Node http (CPU)',
      },
    ];
  });
}
