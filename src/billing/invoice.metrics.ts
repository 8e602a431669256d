import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';
import type { InvoiceAudit } from './invoice-records';

/**
 * Invoice status changes as they are committed, whichever path made them (API, billing run,
 * webhook). Callers report a change after its write succeeded, with the state it replaced.
 */
@Injectable()
export class InvoiceMetrics {
  private readonly transitions: Counter<'from' | 'to'>;

  constructor(metrics: MetricsService) {
    this.transitions = metrics.counter({
      name: 'invoice_transitions_total',
      help: 'Invoice status changes committed, by from and to status (from="none": invoice created)',
      labelNames: ['from', 'to'],
    });
  }

  /** Counts the changes that moved a status; amount-only changes (refresh) are not transitions. */
  committed(changes: readonly InvoiceAudit[]): void {
    for (const { before, after } of changes) {
      const from = before?.status ?? 'none';
      if (from !== after.status) this.transitions.inc({ from, to: after.status });
    }
  }
}
