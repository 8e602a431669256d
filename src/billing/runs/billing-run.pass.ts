import type { Logger } from '@nestjs/common';
import type { Clock } from '../../common/time/clock';
import type { Customer } from '../../customers/customer.model';
import type { CustomersService } from '../../customers/customers.service';
import type { OutboxWriter } from '../../events';
import type { ChunkBiller, ChunkOutcomes, PassBilling } from './billing-run.chunk';
import { type CustomerOutcome, failedOutcome } from './billing-run.customer';
import type { BillingRunMetrics, PassResult } from './billing-run.metrics';
import type { PassEnd } from './billing-run.model';
import {
  type BillingRun,
  type BillingRunFailure,
  type CustomerRunProgress,
  type CustomerRunStatus,
  MAX_REPORTED_FAILURES,
} from './billing-run.model';
import { type BillingRunOptions, chunking } from './billing-run.options';
import type { BillingRunRepository, Checkpoint } from './billing-run.repository';

export interface PassDeps {
  repository: BillingRunRepository;
  customers: CustomersService;
  biller: ChunkBiller;
  outbox: OutboxWriter;
  clock: Clock;
  options: BillingRunOptions;
  logger: Logger;
  metrics: BillingRunMetrics;
}

/**
 * One walk over all customers for a period, under the lease `run` was acquired with.
 *
 * - Customers already invoiced by an earlier pass (their progress says so) cost nothing; the
 *   rest go through `ChunkBiller` in chunks (25 customers), a few chunks at a time, while the
 *   next page of customers is read ahead. A customer's failure is recorded and the pass moves on.
 * - Progress items are written in batches of 25, behind the billing. A crash loses the batches
 *   not written yet, which costs the next pass a batch read of those customers' invoices: past
 *   draft, so done.
 * - The lease is renewed, with the counts so far, every `checkpointIntervalMs`. Without a lease
 *   the pass stops taking customers: another instance may be running the period by then.
 */
export class BillingRunPass {
  private readonly statuses = new Map<string, CustomerRunStatus>();
  private readonly attempts = new Map<string, number>();
  private readonly failures = new Map<string, BillingRunFailure>();
  private pending: CustomerRunProgress[] = [];
  private writes: Promise<void> = Promise.resolve();
  private queuedWrites = 0;
  private leaseUntil: number;
  private stopping = false;
  private lost = false;
  private fatal?: Error;
  private renewing?: Promise<void>;
  private readonly billing: PassBilling;
  /** The run's status when this pass finished it. */
  private finishedAs: 'completed' | 'completed_with_failures' = 'completed';

  constructor(
    private readonly deps: PassDeps,
    private readonly run: BillingRun,
    private readonly owner: string,
  ) {
    this.leaseUntil = run.leaseUntil ?? 0;
    this.billing = deps.biller.forPass(run.period, deps.options);
  }

  get period(): string {
    return this.run.period;
  }

  /** Stop taking customers; the pass then hands its lease back (shutdown). */
  stop(): void {
    this.stopping = true;
  }

  async execute(): Promise<PassEnd> {
    let result: PassResult = 'aborted';
    try {
      const end = await this.walk();
      result = end === 'finished' ? this.finishedAs : end;
      return end;
    } finally {
      this.deps.metrics.pass(result);
    }
  }

  private async walk(): Promise<PassEnd> {
    const { options, repository } = this.deps;
    const timer = setInterval(() => void this.renew(), options.checkpointIntervalMs);
    timer.unref();
    try {
      for (const p of await repository.getProgress(this.period)) {
        this.statuses.set(p.customerId, p.status);
        this.attempts.set(p.customerId, p.attempts);
        if (p.status === 'failed' && p.error) {
          this.failures.set(p.customerId, {
            customerId: p.customerId,
            ...p.error,
            attempts: p.attempts,
          });
        }
      }
      await this.renew();
      const walkedAll = await this.billAll();
      await this.flush();
      if (this.fatal) throw this.fatal;
      if (this.lost) return 'lost';
      if (!walkedAll) {
        // Asked to stop, or the lease ran out while renewals failed: the run stays `running`.
        return (await repository.release(this.period, this.owner, this.snapshot()))
          ? 'released'
          : 'lost';
      }
      return await this.finish();
    } catch (error) {
      // The store failed under us: hand the lease back (if we still can) so a later pass retries.
      await this.flush().catch(() => undefined);
      await repository.release(this.period, this.owner, this.snapshot()).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(timer);
      await this.renewing;
    }
  }

  private canWork(): boolean {
    return !this.stopping && !this.lost && !this.fatal && Date.now() < this.leaseUntil;
  }

  /** True when every customer was taken and billed (or found done); false if it stopped early. */
  private async billAll(): Promise<boolean> {
    const { size, inFlight } = chunking(this.deps.options);
    const source = this.chunks(size)[Symbol.asyncIterator]();
    let walkedAll = false;
    const worker = async () => {
      try {
        while (this.canWork()) {
          const next = await source.next();
          if (next.done) {
            walkedAll = true;
            return;
          }
          await this.billChunk(next.value);
        }
      } catch (error) {
        this.fatal ??= error instanceof Error ? error : new Error(String(error));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    await source.return?.(undefined);
    return walkedAll;
  }

  /** Customers still to bill, `size` at a time (those invoiced by an earlier pass are left out). */
  private async *chunks(size: number): AsyncGenerator<Customer[]> {
    let chunk: Customer[] = [];
    for await (const customer of this.customers()) {
      if (this.statuses.get(customer.id) === 'invoiced') continue;
      chunk.push(customer);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  /** All customers by id, reading the next page while the current one is being billed. */
  private async *customers(): AsyncGenerator<Customer> {
    const { customers, options } = this.deps;
    let page = await customers.list(options.pageSize);
    for (;;) {
      const next = page.nextCursor ? customers.list(options.pageSize, page.nextCursor) : undefined;
      // Read-ahead may be abandoned when the pass stops; its failure must not go unhandled.
      next?.catch(() => undefined);
      yield* page.customers;
      if (!next) return;
      page = await next;
    }
  }

  /** Bills one chunk and records every customer's outcome. */
  private async billChunk(customers: Customer[]): Promise<void> {
    let outcomes: ChunkOutcomes;
    try {
      outcomes = await this.deps.biller.bill(customers, this.billing);
    } catch (error) {
      // ChunkBiller settles failures per customer; this is only a guard against a bug there.
      outcomes = new Map(customers.map((c) => [c.id, failedOutcome(error)]));
    }
    for (const customer of customers) {
      this.record(customer.id, outcomes.get(customer.id) ?? failedOutcome(new Error('no outcome')));
    }
    if (this.pending.length >= this.deps.options.progressBatchSize) {
      const written = this.flush();
      // Progress is written behind the billing; a chunk waits only when the writes fall behind.
      if (this.queuedWrites > chunking(this.deps.options).inFlight) await written;
    }
  }

  private record(id: string, outcome: CustomerOutcome): void {
    this.deps.metrics.customer(outcome);
    if (outcome.status === 'failed') {
      this.deps.logger.warn(
        { err: outcome.cause, customerId: id, period: this.period },
        `Billing run ${this.period}: customer ${id} failed (${outcome.error?.code}); retried by the next pass`,
      );
    }
    const attempts = (this.attempts.get(id) ?? 0) + (outcome.status === 'skipped' ? 0 : 1);
    this.statuses.set(id, outcome.status);
    this.attempts.set(id, attempts);
    if (outcome.status === 'failed' && outcome.error) {
      this.failures.set(id, { customerId: id, ...outcome.error, attempts });
    } else {
      this.failures.delete(id);
    }
    this.pending.push({
      customerId: id,
      status: outcome.status,
      attempts,
      ...(outcome.invoiceId ? { invoiceId: outcome.invoiceId } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      updatedAt: this.deps.clock.now().toISOString(),
    });
  }

  /**
   * Writes buffered progress; writes run one after another, and a failure fails the pass (at
   * once: the workers stop taking customers, whether or not they wait for this write).
   */
  private flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.queuedWrites++;
      this.writes = this.writes
        .then(() => this.deps.repository.putProgress(this.period, batch))
        .finally(() => this.queuedWrites--);
      this.writes.catch((error: unknown) => {
        this.fatal ??= error instanceof Error ? error : new Error(String(error));
      });
    }
    return this.writes;
  }

  private renew(): Promise<void> {
    this.renewing ??= this.checkpoint().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async checkpoint(): Promise<void> {
    if (this.lost) return;
    const { repository, options, logger } = this.deps;
    try {
      await this.flush();
      const until = Date.now() + options.leaseMs;
      if (await repository.checkpoint(this.period, this.owner, until, this.snapshot())) {
        this.leaseUntil = until;
      } else {
        this.lost = true;
        logger.warn(`Billing run ${this.period}: lease taken over by another instance; stopping`);
      }
    } catch (error) {
      // Not fatal by itself: the pass keeps going until its lease runs out, then stops.
      logger.warn({ err: error, period: this.period }, 'Billing run checkpoint failed');
    }
  }

  private async finish(): Promise<PassEnd> {
    const { repository, outbox } = this.deps;
    const snapshot = this.snapshot();
    const status = snapshot.counts.failed > 0 ? 'completed_with_failures' : 'completed';
    this.finishedAs = status;
    // The period is closed once every customer is billed; the event says so exactly once.
    const closing = status === 'completed' && !this.run.periodClosedAt;
    const entry = closing
      ? outbox.entryFor([
          outbox.event('billing.period.closed', {
            period: this.period,
            customers: snapshot.counts.customers,
            invoiced: snapshot.counts.invoiced,
            skipped: snapshot.counts.skipped,
            passes: this.run.passes,
            startedAt: this.run.startedAt,
            finishedAt: snapshot.at,
          }),
        ])
      : undefined;
    const done = await repository.finish(
      this.period,
      this.owner,
      status,
      snapshot,
      closing ? { extra: entry ? [entry] : [] } : undefined,
    );
    return done ? 'finished' : 'lost';
  }

  private snapshot(): Checkpoint {
    const counts = { customers: this.statuses.size, invoiced: 0, failed: 0, skipped: 0 };
    for (const status of this.statuses.values()) counts[status] += 1;
    const failures = [...this.failures.values()]
      .sort((a, b) => (a.customerId < b.customerId ? -1 : 1))
      .slice(0, MAX_REPORTED_FAILURES);
    return { counts, failures, at: this.deps.clock.now().toISOString() };
  }
}
