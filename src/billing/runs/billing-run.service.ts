import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/time/clock';
import { parsePeriod } from '../../common/time/period';
import { CustomersService } from '../../customers/customers.service';
import { OutboxWriter } from '../../events';
import { PeriodNotEnded } from '../invoice.errors';
import { ChunkBiller } from './billing-run.chunk';
import { BillingRunNotFound, BillingRunsShuttingDown } from './billing-run.errors';
import type { BillingRun, BillingRunTrigger } from './billing-run.model';
import { BillingRunMetrics } from './billing-run.metrics';
import { BillingRunOptions } from './billing-run.options';
import { BillingRunPass } from './billing-run.pass';
import { BillingRunRepository } from './billing-run.repository';

/** A run as the API shows it. */
export interface BillingRunView {
  period: string;
  status: BillingRun['status'];
  /** A pass was in progress but its instance stopped; the next pass resumes where it left off. */
  interrupted: boolean;
  trigger: BillingRunTrigger;
  passes: number;
  startedAt: string;
  finishedAt: string | null;
  counts: BillingRun['counts'];
  failures: BillingRun['failures'];
  periodClosedAt: string | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Billing runs: closing a period by invoicing every customer. At most one pass per period runs
 * at a time across all instances (a lease on the run item); any instance can start one (API,
 * schedule) and any instance resumes one whose instance died (`sweep`).
 */
@Injectable()
export class BillingRunService implements BeforeApplicationShutdown {
  /** Identifies this process as a lease owner. */
  readonly instanceId = `${hostname()}#${process.pid}#${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('BillingRuns');
  private readonly active = new Map<string, { pass: BillingRunPass; done: Promise<void> }>();
  private shuttingDown = false;

  constructor(
    private readonly repository: BillingRunRepository,
    private readonly customers: CustomersService,
    private readonly biller: ChunkBiller,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly options: BillingRunOptions,
    private readonly metrics: BillingRunMetrics,
  ) {}

  /**
   * Starts a pass over the period in the background unless one is in progress somewhere or the
   * run has completed, and returns the run either way. Periods that have not ended cannot be
   * closed.
   */
  async start(periodId: string, trigger: BillingRunTrigger): Promise<BillingRunView> {
    const period = parsePeriod(periodId);
    if (this.clock.now() < period.end) throw new PeriodNotEnded(period.id);
    // A completed run has nothing left to do: it is returned as it is and no pass starts. (A run
    // that completed with failures does start one: that retries its failed customers.)
    const existing = await this.repository.get(period.id);
    if (existing?.status === 'completed') return toView(existing);
    const started = await this.tryStart(period.id, trigger);
    const run = started ?? (await this.repository.get(period.id));
    if (!run) {
      // Not started here and nowhere else either: only a stopping instance refuses to start.
      throw this.shuttingDown ? new BillingRunsShuttingDown() : new BillingRunNotFound(period.id);
    }
    return toView(run);
  }

  async get(periodId: string): Promise<BillingRunView> {
    const period = parsePeriod(periodId);
    const run = await this.repository.get(period.id);
    if (!run) throw new BillingRunNotFound(period.id);
    return toView(run);
  }

  /**
   * Finds runs that need a pass: one whose lease expired while running (its instance died or
   * was stopped), or one that ended with failures and has waited `retryFailuresAfterMs`.
   */
  async sweep(): Promise<void> {
    const { retryFailuresAfterMs, maxAutomaticPasses } = this.options;
    const now = this.clock.now().getTime();
    for (const run of await this.repository.listOpen()) {
      if (run.status === 'running' && (run.leaseUntil ?? 0) < Date.now()) {
        await this.tryStart(run.period, 'resume');
      } else if (
        run.status === 'completed_with_failures' &&
        run.passes < maxAutomaticPasses &&
        Date.parse(run.finishedAt ?? run.startedAt) + retryFailuresAfterMs <= now
      ) {
        await this.tryStart(run.period, 'retry');
      }
    }
  }

  /** Resolves when this instance has no pass in progress. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Passes stop taking customers, finish those in hand and give their lease back. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.active.size === 0) return;
    for (const { pass } of this.active.values()) pass.stop();
    await Promise.race([this.idle(), sleep(this.options.shutdownWaitMs)]);
  }

  private async tryStart(
    period: string,
    trigger: BillingRunTrigger,
  ): Promise<BillingRun | undefined> {
    if (this.shuttingDown || this.active.has(period)) return undefined;
    const nowMs = Date.now();
    // Leases use wall-clock time (not the injectable business clock): they must expire for real.
    const run = await this.repository.acquire(period, this.instanceId, {
      nowMs,
      untilMs: nowMs + this.options.leaseMs,
      at: this.clock.now().toISOString(),
      trigger,
    });
    if (!run) return undefined;
    const pass = new BillingRunPass(
      {
        repository: this.repository,
        customers: this.customers,
        biller: this.biller,
        outbox: this.outbox,
        clock: this.clock,
        options: this.options,
        logger: this.logger,
        metrics: this.metrics,
      },
      run,
      this.instanceId,
    );
    this.logger.log(`Billing run ${period}: pass ${run.passes} started (${trigger})`);
    const done = pass
      .execute()
      .then(
        (end) => this.logger.log(`Billing run ${period}: pass ${run.passes} ${end}`),
        (error: unknown) =>
          this.logger.error({ err: error, period }, `Billing run ${period}: pass aborted`),
      )
      .finally(() => this.active.delete(period));
    this.active.set(period, { pass, done });
    return run;
  }
}

export function toView(run: BillingRun): BillingRunView {
  return {
    period: run.period,
    status: run.status,
    interrupted: run.status === 'running' && (run.leaseUntil ?? 0) < Date.now(),
    trigger: run.trigger,
    passes: run.passes,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    counts: run.counts,
    failures: run.failures,
    periodClosedAt: run.periodClosedAt ?? null,
  };
}
