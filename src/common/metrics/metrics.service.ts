import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry, served on `/metrics`. Cross-cutting metrics live here;
 * a module's own metrics are registered by that module (`usage.metrics.ts`,
 * `outbox.metrics.ts`, …) with `counter()`, next to the code that knows what happened. Labels
 * are bounded sets (outcomes, statuses, error codes, route templates), never ids.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly cacheLookups = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** The two cache-lookup series, bound once (a lookup is on every cached GET). */
  readonly cacheHits = this.cacheLookups.labels({ result: 'hit' });
  readonly cacheMisses = this.cacheLookups.labels({ result: 'miss' });

  private readonly httpSeries = new Map<string, { observe(seconds: number): void }>();

  /**
   * Times one finished HTTP request. Each method/route/status series is bound on first use and
   * kept (routes are templates, so there are few), so a request observes without hashing labels.
   */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.httpSeries.get(key);
    if (!series) {
      series = this.httpDuration.labels({ method, route, status: String(status) });
      this.httpSeries.set(key, series);
    }
    series.observe(seconds);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The counter `name` on this registry, created on first use. Asking again returns the same
   * counter (prom-client refuses a second registration), so two instances of an owner sharing
   * one registry, as in unit tests, count into one series.
   */
  counter<L extends string>(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
  }): Counter<L> {
    const existing = this.registry.getSingleMetric(config.name);
    if (existing) return existing as Counter<L>;
    return new Counter({ ...config, registers: [this.registry] });
  }
}
