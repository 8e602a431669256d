import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/time/clock';
import { ValidationFailed } from '../../common/errors/domain-error';
import { isPeriodId, parsePeriod, periodOf, previousPeriod } from '../../common/time/period';
import { Job, type JobParams } from '../../jobs/job';
import { BillingRunService, type BillingRunView } from './billing-run.service';

/**
 * `billing-run` (params: `period?`, YYYY-MM): closes a period, by default the one before the
 * current month (what the monthly cron closes). Resolves once this instance's pass is over, with
 * the run as GET /v1/billing-runs/:period shows it; when another instance runs the period, or it
 * completed before, resolves at once with the run as it is.
 */
@Injectable()
export class BillingRunJob extends Job<BillingRunView> {
  readonly name = 'billing-run';

  constructor(
    private readonly runs: BillingRunService,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** The period `params` names, or the previous one on the clock. */
  period(params: JobParams): string {
    const { period } = params;
    if (period === undefined || period === null || period === '') {
      return previousPeriod(periodOf(this.clock.now())).id;
    }
    if (!isPeriodId(period)) {
      const message = `period must be a month as YYYY-MM, got ${JSON.stringify(period)}`;
      throw new ValidationFailed(
        [{ field: 'period', messages: [message] }],
        `billing-run: ${message}`,
      );
    }
    return parsePeriod(period).id;
  }

  /** Starts the pass in the background and returns the run (the in-process cron's tick). */
  start(params: JobParams): Promise<BillingRunView> {
    return this.runs.start(this.period(params), 'schedule');
  }

  async run(params: JobParams): Promise<BillingRunView> {
    const period = this.period(params);
    await this.runs.start(period, 'schedule');
    await this.runs.idle();
    return this.runs.get(period);
  }
}

/**
 * `billing-run-sweep`: resumes runs whose pass stopped (lease expired: an instance or an
 * invocation died mid-way) and retries customers that failed, a while later (see
 * BillingRunService.sweep); resolves once the passes it started are over. In container mode
 * every instance does this on an interval.
 */
@Injectable()
export class BillingRunSweepJob extends Job<void> {
  readonly name = 'billing-run-sweep';

  constructor(private readonly runs: BillingRunService) {
    super();
  }

  async run(): Promise<void> {
    await this.runs.sweep();
    await this.runs.idle();
  }
}
