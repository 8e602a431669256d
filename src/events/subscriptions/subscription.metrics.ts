import { Injectable, Logger } from '@nestjs/common';
import { type Counter, Gauge } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service';
import type { Backlog } from '../outbox.metrics';

/**
 * Per-subscriber metrics: deliveries by result, and each queue's backlog and lag, read from the
 * table at scrape time (so every instance reports every queue, whichever instance works it).
 */
@Injectable()
export class SubscriptionMetrics {
  private readonly logger = new Logger('SubscriptionMetrics');
  private readonly events: Counter<'subscriber' | 'result'>;
  private source?: () => Promise<Map<string, Backlog>>;
  private inflight?: Promise<Map<string, Backlog>>;
  private last = new Map<string, Backlog>();

  constructor(metrics: MetricsService) {
    this.events = metrics.counter({
      name: 'subscriber_events_total',
      help: 'Billing events handed to in-process subscribers, by subscriber and result (handled, failed: retried later)',
      labelNames: ['subscriber', 'result'] as const,
    });
    const read = () => this.read();
    const gauge = (name: string, help: string, pick: (b: Backlog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['subscriber'] as const,
        registers: [metrics.registry],
        async collect() {
          for (const [subscriber, backlog] of await read()) {
            this.set({ subscriber }, pick(backlog));
          }
        },
      });
    gauge(
      'subscriber_pending_events',
      'Billing events waiting in a subscriber queue',
      (b) => b.pending,
    );
    gauge(
      'subscriber_lag_seconds',
      'Age of the oldest event waiting in a subscriber queue (since its change committed), 0 when empty',
      (b) => b.oldestPendingAgeSeconds,
    );
  }

  observe(source: () => Promise<Map<string, Backlog>>): void {
    this.source = source;
  }

  count(subscriber: string, handled: number, failed: number): void {
    if (handled > 0) this.events.inc({ subscriber, result: 'handled' }, handled);
    if (failed > 0) this.events.inc({ subscriber, result: 'failed' }, failed);
  }

  /** One table read per scrape, shared by both gauges; the last value when the read fails. */
  private read(): Promise<Map<string, Backlog>> {
    const source = this.source;
    if (!source) return Promise.resolve(this.last);
    this.inflight ??= source()
      .then((backlogs) => (this.last = backlogs))
      .catch((error: unknown) => {
        this.logger.warn(`subscriber backlog unavailable: ${(error as Error).message}`);
        return this.last;
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }
}
