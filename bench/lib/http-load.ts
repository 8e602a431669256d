import autocannon from 'autocannon';
import { BENCH_ADMIN_KEY } from './app-process';

export interface HttpResult {
  label: string;
  requestsPerSec: number;
  itemsPerSec: number;
  /** Requests and items completed in the whole run (for per-event costs). */
  requests: number;
  items: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface HttpLoad {
  label: string;
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  durationSec: number;
  /** Builds each request's body (so every request can carry distinct events). */
  body?: () => unknown;
  /** Items per request, for items/s (events in a batch). */
  itemsPerRequest?: number;
  headers?: Record<string, string>;
}

/** Drives the app over HTTP with autocannon and reports throughput and latency percentiles. */
export async function runHttpLoad(load: HttpLoad): Promise<HttpResult> {
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.durationSec,
    method: load.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${BENCH_ADMIN_KEY}`,
      'Content-Type': 'application/json',
      ...load.headers,
    },
    requests: load.body
      ? [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(load.body!()) }) }]
      : undefined,
  });
  const requestsPerSec = result.requests.average;
  return {
    label: load.label,
    requestsPerSec,
    itemsPerSec: requestsPerSec * (load.itemsPerRequest ?? 1),
    requests: result.requests.total,
    items: result.requests.total * (load.itemsPerRequest ?? 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Sequential requests (one at a time) for latency percentiles of reads. */
export async function measureLatency(
  label: string,
  count: number,
  request: () => Promise<Response>,
): Promise<{ label: string; p50Ms: number; p99Ms: number; failures: number }> {
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await request();
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (!res.ok) failures++;
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { label, p50Ms: at(50), p99Ms: at(99), failures };
}
