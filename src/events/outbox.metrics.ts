import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';
import type { BillingEvent } from './billing-event.model';

export interface Backlog {
  /** Events not yet confirmed by EventBridge (a lower bound beyond the scan limit). */
  pending: number;
  /** Age of the oldest outbox item still waiting, 0 when none. */
  oldestPendingAgeSeconds: number;
}

/**
 * The relay's Prometheus metrics on the shared registry. The gauges are read from the table at
 * scrape time, not from one relay's memory, so every instance reports the whole outbox.
 */
@Injectable()
export class OutboxMetrics {
  private readonly logger = new Logger('OutboxMetrics');
  private readonly published: Counter<'type'>;
  private readonly refused: Counter<'type'>;
  private source?: () => Promise<Backlog>;
  private last: Backlog = { pending: 0, oldestPendingAgeSeconds: 0 };
  private inflight?: Promise<Backlog>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.published = new Counter({
      name: 'events_published_total',
      help: 'Billing events confirmed by EventBridge (or logged, without a bus), by type',
      labelNames: ['type'] as const,
      registers,
    });
    this.refused = new Counter({
      name: 'events_refused_total',
      help: 'Billing events EventBridge refused one by one in an accepted PutEvents call (they stay in the outbox and are retried), by type',
      labelNames: ['type'] as const,
      registers,
    });
    const readBacklog = () => this.readBacklog();
    const gauge = (name: string, help: string, pick: (b: Backlog) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(pick(await readBacklog()));
        },
      });
    gauge(
      'outbox_pending_events',
      'Billing events stored in the outbox and not yet published',
      (b) => b.pending,
    );
    gauge(
      'outbox_oldest_pending_age_seconds',
      'Age of the oldest unpublished outbox entry, 0 when the outbox is empty',
      (b) => b.oldestPendingAgeSeconds,
    );
  }

  observeBacklog(source: () => Promise<Backlog>): void {
    this.source = source;
  }

  countPublished(events: readonly BillingEvent[]): void {
    for (const event of events) this.published.inc({ type: event.type });
  }

  countRefused(events: readonly BillingEvent[]): void {
    for (const event of events) this.refused.inc({ type: event.type });
  }

  /** Both gauges are collected in parallel by one scrape: they share a single table read. */
  private readBacklog(): Promise<Backlog> {
    const source = this.source;
    if (!source) return Promise.resolve(this.last);
    this.inflight ??= source()
      .then((backlog) => (this.last = backlog))
      .catch((error: unknown) => {
        // A failed read must not fail the whole scrape; keep the last known value.
        this.logger.warn(`outbox backlog unavailable: ${(error as Error).message}`);
        return this.last;
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }
}
