import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { OutboxWriter } from '../events';
import { Job } from '../jobs/job';
import { runsJobsInProcess } from '../jobs/jobs.config';
import { writeOffAt } from './credit.model';
import { CreditLedger } from './credit-ledger';
import { CreditsRepository } from './credits.repository';
import { grantWriteOff } from './grant-write-off';

/** Grants read from the expiry index per page. */
const PAGE = 100;

/**
 * Writes off the remainder of expired grants. A grant pays for usage inside its window until
 * that usage is invoiced, so it is written off only once the last period it was in force in has
 * ended and `CREDITS_EXPIRY_GRACE_HOURS` more have passed (by then that period's invoice is
 * normally final: billing runs close periods minutes after they end). The write-off is an
 * `expired` ledger entry with `billing.credits.expired`, in one transaction with the grant.
 *
 * Every instance sweeps on an interval (`CREDITS_EXPIRY_SWEEP_SECONDS`, 0 = off). Several at
 * once are safe: each write-off re-reads the grant and is conditioned on its revision and on the
 * ledger's sequence, so a grant is written off once, whoever wins.
 */
@Injectable()
export class CreditExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CreditExpiry');
  private readonly graceHours: number;
  private readonly intervalSeconds: number;
  private readonly inProcess: boolean;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly repository: CreditsRepository,
    private readonly ledger: CreditLedger,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    const credits = config.get('credits', { infer: true });
    this.graceHours = credits.expiryGraceHours;
    this.intervalSeconds = credits.expirySweepSeconds;
    this.inProcess = runsJobsInProcess(config);
  }

  onApplicationBootstrap(): void {
    if (this.intervalSeconds === 0 || !this.inProcess) return;
    this.timer = setInterval(() => void this.scheduledSweep(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Writes off every grant due at `now` (default: the clock); returns how many this call wrote
   * off (a grant another sweep got first is not counted). A store failure reading the index is
   * thrown; a failed write-off is logged and left for the next sweep.
   */
  async sweep(now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.graceHours * 3_600_000);
    let writtenOff = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.repository.listAwaitingWriteOff(cutoff, PAGE, startKey);
      for (const { customerId, grantId } of page.grants) {
        try {
          if (await this.writeOff(customerId, grantId, now)) writtenOff += 1;
        } catch (error) {
          // One grant's trouble (a customer's ledger under heavy contention) holds up no other;
          // it stays in the index, so the next sweep tries again.
          this.logger.warn({ err: error, customerId, grantId }, 'Credit write-off failed');
        }
      }
      startKey = page.nextKey;
    } while (startKey);
    return writtenOff;
  }

  /** Writes one grant's remainder off if it is due; false when there was nothing to do. */
  async writeOff(customerId: string, grantId: string, now: Date): Promise<boolean> {
    return this.ledger.run(customerId, async () => {
      const grant = await this.repository.getGrant(customerId, grantId);
      const due = grant && writeOffAt(grant, this.graceHours);
      if (!grant || !due || grant.voidedAt || grant.writtenOffAt || now < due) {
        return { result: () => false };
      }
      const { balance } = await this.repository.getState(customerId);
      return {
        change: grantWriteOff(
          this.outbox,
          grant,
          balance,
          'expired',
          now.toISOString(),
          `expired at ${grant.expiresAt}; remainder written off`,
        ),
        result: () => true,
      };
    });
  }

  private async scheduledSweep(): Promise<void> {
    if (this.running) return;
    this.running = this.sweep();
    try {
      const count = await this.running;
      if (count > 0) this.logger.log(`Wrote off ${count} expired credit grant(s)`);
    } catch (error) {
      this.logger.warn({ err: error }, 'Credit expiry sweep failed; the next one retries');
    } finally {
      this.running = undefined;
    }
  }
}

/** `credit-expiry`: one `CreditExpiry.sweep` at the clock's now (on an interval in container mode). */
@Injectable()
export class CreditExpiryJob extends Job<{ writtenOff: number }> {
  readonly name = 'credit-expiry';

  constructor(private readonly expiry: CreditExpiry) {
    super();
  }

  async run(): Promise<{ writtenOff: number }> {
    return { writtenOff: await this.expiry.sweep() };
  }
}
