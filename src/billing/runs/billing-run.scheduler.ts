import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, validateCronExpression } from 'cron';
import { type AppConfig, ConfigValidationError } from '../../config/configuration';
import { runsJobsInProcess } from '../../jobs/jobs.config';
import { BillingRunJob } from './billing-run.jobs';
import { BillingRunOptions } from './billing-run.options';
import { BillingRunService } from './billing-run.service';

export const BILLING_RUN_JOB = 'billing-run';

/** Why a BILLING_RUN_CRON value is unusable, or undefined when it is fine (or `off`). */
export function billingRunCronProblem(expression: string): string | undefined {
  if (expression === 'off') return undefined;
  const { valid, error } = validateCronExpression(expression);
  return valid
    ? undefined
    : `BILLING_RUN_CRON: "${expression}" is not a cron expression (${error?.message ?? 'invalid'}); use e.g. "5 0 1 * *" or "off"`;
}

/**
 * Every instance schedules the monthly run (in UTC) and the lease makes sure only one of them
 * does the work. The sweep is what resumes a run whose instance died mid-way, and retries
 * customers that failed (Stripe down, say) a while later, a few times.
 *
 * Container mode only: with `RUN_MODE=lambda` nothing is scheduled here, and the `billing-run`
 * and `billing-run-sweep` jobs are triggered from outside (EventBridge Scheduler).
 */
@Injectable()
export class BillingRunScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BillingRunScheduler');
  private readonly cron: string;
  private readonly inProcess: boolean;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly runs: BillingRunService,
    private readonly registry: SchedulerRegistry,
    private readonly job: BillingRunJob,
    private readonly options: BillingRunOptions,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cron = config.get('billing', { infer: true }).runCron.trim();
    this.inProcess = runsJobsInProcess(config);
    // Refuse to start rather than run without the monthly close nobody would notice missing.
    const problem = billingRunCronProblem(this.cron);
    if (problem) throw new ConfigValidationError([problem]);
  }

  onApplicationBootstrap(): void {
    if (!this.inProcess) return;
    if (this.cron !== 'off') {
      const job = CronJob.from({
        cronTime: this.cron,
        onTick: () => void this.closePreviousPeriod(),
        start: false,
        timeZone: 'UTC',
      });
      this.registry.addCronJob(BILLING_RUN_JOB, job);
      job.start();
    }
    if (this.options.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /** The scheduled tick: closes the month before the current one (the `billing-run` job's). */
  async closePreviousPeriod(): Promise<void> {
    const period = this.job.period({});
    try {
      const run = await this.job.start({ period });
      this.logger.log(`Scheduled billing run ${period}: ${run.status}`);
    } catch (error) {
      this.logger.error({ err: error, period }, `Scheduled billing run ${period} did not start`);
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.runs.sweep();
    } catch (error) {
      this.logger.warn({ err: error }, 'Billing run sweep failed; trying again later');
    } finally {
      this.sweeping = false;
    }
  }
}
