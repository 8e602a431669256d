import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service';
import type { CustomerOutcome } from './billing-run.customer';
import type { BillingRunStatus, PassEnd } from './billing-run.model';

/** How a pass ended: the run's status when it finished, else why it stopped. */
export type PassResult =
  Exclude<BillingRunStatus, 'running'> | Exclude<PassEnd, 'finished'> | 'aborted';

/** Billing runs as an operator watches them: each customer's outcome, and how passes end. */
@Injectable()
export class BillingRunMetrics {
  private readonly customers: Counter<'outcome' | 'code'>;
  private readonly passes: Counter<'result'>;

  constructor(metrics: MetricsService) {
    this.customers = metrics.counter({
      name: 'billing_run_customers_total',
      help: 'Customers handled by billing-run passes by outcome (invoiced, skipped, failed) and, for failed ones, error code',
      labelNames: ['outcome', 'code'],
    });
    this.passes = metrics.counter({
      name: 'billing_run_passes_total',
      help: 'Billing-run passes by result (completed, completed_with_failures, released, lost, aborted)',
      labelNames: ['result'],
    });
  }

  customer(outcome: CustomerOutcome): void {
    if (outcome.status === 'failed') {
      this.customers.inc({ outcome: 'failed', code: outcome.error?.code ?? 'INTERNAL_ERROR' });
    } else {
      this.customers.inc({ outcome: outcome.status });
    }
  }

  pass(result: PassResult): void {
    this.passes.inc({ result });
  }
}
