import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';
import type { IngestOutcome } from './usage.model';

/** Usage ingest as an operator watches it: every event of single and batch ingest, by outcome. */
@Injectable()
export class UsageMetrics {
  private readonly events: Counter<'outcome' | 'code'>;

  constructor(metrics: MetricsService) {
    this.events = metrics.counter({
      name: 'usage_events_total',
      help: 'Usage events received (single and batch) by outcome (accepted, duplicate, rejected) and, for rejected events, error code',
      labelNames: ['outcome', 'code'],
    });
  }

  /** One increment per distinct (outcome, code) of the call, not per event: batches hold 1,000. */
  count(outcomes: readonly IngestOutcome[]): void {
    const tally = new Map<string, { outcome: string; code?: string; n: number }>();
    for (const { status, error } of outcomes) {
      const code = status === 'rejected' ? (error?.code ?? 'INTERNAL_ERROR') : undefined;
      const key = `${status}\u0000${code ?? ''}`;
      const entry = tally.get(key) ?? { outcome: status, code, n: 0 };
      entry.n += 1;
      tally.set(key, entry);
    }
    for (const { outcome, code, n } of tally.values()) {
      this.events.inc(code === undefined ? { outcome } : { outcome, code }, n);
    }
  }
}
