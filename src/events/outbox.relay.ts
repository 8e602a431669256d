import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { AppConfig } from '../config/configuration';
import { Keys } from '../database/keys';
import { batchesForPutEvents } from './billing-event.model';
import { EventPublisher, type FailedEntry, type PublisherStatus } from './event-publisher';
import { EventsOptions } from './events.options';
import { type Backlog, OutboxMetrics } from './outbox.metrics';
import type { OutboxItem } from './outbox.model';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';

/** What one pass over the shards achieved; drives the next pause. */
interface PassResult {
  /** Events confirmed during the pass. */
  published: number;
  /** Some shard held more claimable items than one pass takes: poll again at once. */
  more: boolean;
  /** Items seen but not finished: held by another relay, waiting out a backoff, or not reached. */
  remaining: number;
  /** EventBridge or DynamoDB failed: the pass stopped early and the relay backs off. */
  failed: boolean;
}

type ItemOutcome = 'done' | 'deferred' | 'lost' | 'failed';

export interface RelayStatus {
  enabled: boolean;
  running: boolean;
  instanceId: string;
  publisher: PublisherStatus;
  consecutiveFailures: number;
}

/** How long after this instance stored events the relay keeps polling at the busy pace. */
const EXPECTING_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Publishes the outbox. Delivery is AT LEAST ONCE: an event is confirmed in the outbox item only
 * after EventBridge accepted it, so a crash (or an expired lease) between the PutEvents call and
 * that record re-sends the event later. Consumers must dedupe on `eventId`. Events are never
 * dropped: whatever fails stays in the outbox and is retried with backoff, forever; the
 * `outbox_oldest_pending_age_seconds` gauge is what an alert watches.
 *
 * Several app instances may run a relay on one table. Each item is claimed (conditional write,
 * lease `leaseMs`) before it is published, so normally exactly one relay sends it. Leases rely on
 * the instances' clocks agreeing to well within `leaseMs`.
 *
 * Ordering is by creation within a shard on a good day only: a failing item waits out its
 * backoff while later ones go ahead, and EventBridge itself does not preserve order.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly instanceId = `${hostname()}#${process.pid}#${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('OutboxRelay');
  private readonly enabled: boolean;
  private readonly backoff: ExponentialBackoff<unknown>;
  private failureDelay?: IBackoff<unknown>;
  private consecutiveFailures = 0;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Shortens an idle pause to the busy interval (events were just stored). */
  private hurry?: () => void;
  /** Until then this instance expects events (it stored some recently): poll at the busy pace. */
  private expectingUntil = 0;
  /** Passes run one at a time (loop and flush share it), so this relay never races itself. */
  private passes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repository: OutboxRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: OutboxMetrics,
    private readonly options: EventsOptions,
    writer: OutboxWriter,
    config: ConfigService<AppConfig, true>,
  ) {
    writer.onStored(() => this.expectEvents());
    // Disabled publishing stores nothing (OutboxWriter), so there is nothing to relay either.
    this.enabled = config.get('events', { infer: true }).publishingEnabled;
    this.backoff = new ExponentialBackoff({
      initialDelay: options.retryInitialMs,
      maxDelay: options.retryMaxMs,
    });
    metrics.observeBacklog(() => this.backlog());
  }

  onApplicationBootstrap(): void {
    if (this.options.autoStart) this.start();
  }

  /**
   * Runs before the database connection closes (that happens in onApplicationShutdown), so the
   * final flush can still read and delete outbox items. HTTP is still open at this point:
   * events written after the flush simply wait in the outbox for the next start.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const wasRunning = this.running;
    await this.stop();
    if (wasRunning && !(await this.flush(this.options.shutdownFlushMs))) {
      this.logger.warn('Stopped with events left in the outbox; the next relay to run sends them');
    }
    this.publisher.close();
  }

  start(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling after the pass in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Publishes until one pass finds the outbox empty, or `timeoutMs` passed. True when drained.
   * Items claimed by another relay count as not drained (they are still pending).
   */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.enabled) return true;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pass = await this.runPass();
      if (!pass.failed && pass.remaining === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const pause = this.pauseAfter(pass);
      await sleep(
        Math.min(left, pass.failed ? pause : Math.min(pause, this.options.pollIntervalMs)),
      );
    }
  }

  status(): RelayStatus {
    return {
      enabled: this.enabled,
      running: this.running,
      instanceId: this.instanceId,
      publisher: this.publisher.status(),
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  /** Unpublished events over all shards (a lower bound past `backlogScanLimit` items a shard). */
  async backlog(): Promise<Backlog> {
    const shards = await Promise.all(
      Array.from({ length: Keys.OUTBOX_SHARDS }, (_, shard) =>
        this.repository.getShardBacklog(shard, this.options.backlogScanLimit),
      ),
    );
    const oldest = shards
      .map((s) => s.oldestCreatedAt)
      .filter((c): c is string => c !== undefined)
      .sort()[0];
    return {
      pending: shards.reduce((n, s) => n + s.pending, 0),
      oldestPendingAgeSeconds: oldest ? Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) : 0,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const pass = await this.runPass();
      if (!this.running) break;
      await this.pause(this.pauseAfter(pass));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let dueAt = Date.now() + ms;
      const done = () => {
        this.wake = this.hurry = undefined;
        resolve();
      };
      let timer = setTimeout(done, ms).unref();
      this.wake = () => {
        clearTimeout(timer);
        done();
      };
      this.hurry = () => {
        const soon = Date.now() + this.options.pollIntervalMs;
        if (dueAt <= soon) return;
        clearTimeout(timer);
        dueAt = soon;
        timer = setTimeout(done, this.options.pollIntervalMs).unref();
      };
    });
  }

  /** Events were handed out for storing: they commit any moment, so poll at the busy pace. */
  private expectEvents(): void {
    this.expectingUntil = Date.now() + EXPECTING_MS;
    this.hurry?.();
  }

  /**
   * None while a shard has more than one pass takes; the busy interval while events flow (so
   * a busy outbox is read in passes of many items, not one query per item); the idle interval
   * otherwise; backoff after errors.
   */
  private pauseAfter(pass: PassResult): number {
    if (pass.failed) {
      this.failureDelay = this.failureDelay?.next(undefined) ?? this.backoff.next();
      return this.failureDelay.duration;
    }
    this.failureDelay = undefined;
    if (pass.more) return 0;
    const flowing = pass.published > 0 || Date.now() < this.expectingUntil;
    return flowing ? this.options.pollIntervalMs : this.options.idlePollIntervalMs;
  }

  private runPass(): Promise<PassResult> {
    const pass = this.passes.then(() => this.pass());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async pass(): Promise<PassResult> {
    const result: PassResult = { published: 0, more: false, remaining: 0, failed: false };
    // Shards are worked in parallel: throughput scales with them, and a slow or failing item
    // holds up only its own shard. allSettled, so no shard is still running when the pass ends.
    const shards = await Promise.allSettled(
      Array.from({ length: Keys.OUTBOX_SHARDS }, (_, shard) =>
        this.passShard(shard, result).catch((error: unknown) => {
          result.failed = true; // tell the other shards to stop early
          throw error;
        }),
      ),
    );
    const dynamoError = shards.find((s) => s.status === 'rejected');
    if (dynamoError) {
      // The relay's own DynamoDB reads and writes failed: same backoff as an EventBridge outage.
      this.logger.warn(`outbox pass failed: ${errorText(dynamoError.reason)}`);
    }
    this.consecutiveFailures = result.failed ? this.consecutiveFailures + 1 : 0;
    return result;
  }

  /** Claims and publishes up to `itemsPerShardPerPoll` items, skipping those it may not take. */
  private async passShard(shard: number, result: PassResult): Promise<void> {
    let claimed = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.repository.listShard(shard, this.options.itemsPerShardPerPoll, start);
      for (const item of page.items) {
        if (result.failed) return; // another shard hit an outage: stop hammering
        if (claimed >= this.options.itemsPerShardPerPoll) {
          result.remaining += 1;
          result.more = true;
          return;
        }
        const now = Date.now();
        const mine =
          (item.claimUntil ?? 0) < now &&
          (await this.repository.claim(item, this.instanceId, now, now + this.options.leaseMs));
        if (!mine) {
          result.remaining += 1;
          continue;
        }
        claimed += 1;
        const outcome = await this.publishItem(mine, result);
        if (outcome !== 'done') result.remaining += 1;
        if (outcome === 'failed') {
          result.failed = true;
          return;
        }
      }
      start = page.next;
    } while (start);
  }

  /**
   * Sends the item's unconfirmed events; retries only the entries EventBridge refused.
   *
   * Progress is written once per item, not after every PutEvents call: a finished item is simply
   * deleted, and an unfinished one (outage, refused entries) records what went out together with
   * its release. The price is at-least-once in a wider window: a relay that crashes part-way
   * through an item re-sends that item's already-sent events (at most 100). A long-running item
   * records its progress when it renews its lease, at half the lease.
   */
  private async publishItem(item: OutboxItem, result: PassResult): Promise<ItemOutcome> {
    const confirmed = new Set(item.published ?? []);
    const lease = { until: item.claimUntil ?? Date.now() + this.options.leaseMs };
    let unrecorded: string[] = [];
    let entryRetry: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt += 1) {
      const pending = item.events.filter((e) => !confirmed.has(e.eventId));
      if (pending.length === 0) return this.finish(item, confirmed);
      const refused: FailedEntry[] = [];
      for (const batch of batchesForPutEvents(pending)) {
        let failed: FailedEntry[];
        try {
          ({ failed } = await this.publisher.publish(batch));
        } catch (error) {
          // The call as a whole failed (outage, timeout, breaker open): give the item back at
          // once (any relay may retry it after its own backoff) and end this pass.
          await this.release(item, unrecorded, errorText(error));
          this.logger.warn(
            `EventBridge unavailable, ${pending.length} events wait: ${errorText(error)}`,
          );
          return 'failed';
        }
        const failedIds = new Set(failed.map((f) => f.eventId));
        const sent = batch.filter((e) => !failedIds.has(e.eventId));
        refused.push(...failed);
        for (const e of sent) {
          confirmed.add(e.eventId);
          unrecorded.push(e.eventId);
        }
        this.metrics.countPublished(sent);
        result.published += sent.length;
        if (confirmed.size === item.events.length) return this.finish(item, confirmed);
        if (Date.now() > lease.until - this.options.leaseMs / 2) {
          if (!(await this.renew(item, unrecorded, lease))) return 'lost';
          unrecorded = [];
        }
      }
      if (attempt >= this.options.maxEntryRetries) return this.defer(item, refused, unrecorded);
      entryRetry = entryRetry?.next(undefined) ?? this.backoff.next();
      await sleep(entryRetry.duration);
    }
  }

  /**
   * Records confirmed events and extends the lease; false once another relay owns the item
   * (our lease ran out and it took over). That relay re-sends what it has not seen recorded
   * (the at-least-once duplicate), so we tell it what went out, then leave the item alone.
   */
  private async renew(item: OutboxItem, ids: string[], lease: { until: number }) {
    const until = Date.now() + this.options.leaseMs;
    if (await this.repository.recordPublished(item, this.instanceId, ids, until)) {
      lease.until = until;
      return true;
    }
    await this.repository.recordPublishedUnowned(item, ids);
    this.logger.warn(`lost the lease on outbox item ${item.sk} while publishing`);
    return false;
  }

  /** Gives the item back with what went out recorded, in one write; see `defer` for `retryAt`. */
  private async release(item: OutboxItem, sent: string[], error: string, retryAtMs?: number) {
    const released = await this.repository.release(item, this.instanceId, {
      error,
      published: sent,
      retryAtMs,
    });
    if (!released) await this.repository.recordPublishedUnowned(item, sent);
  }

  private async finish(item: OutboxItem, confirmed: Set<string>): Promise<ItemOutcome> {
    if (await this.repository.deleteClaimed(item, this.instanceId)) return 'done';
    await this.repository.recordPublishedUnowned(item, [...confirmed]);
    return 'lost';
  }

  /**
   * Entries keep being refused one by one (throttling, or an event EventBridge will never
   * accept): the item waits out a growing backoff, so it neither blocks its shard nor is dropped.
   */
  private async defer(
    item: OutboxItem,
    refused: FailedEntry[],
    sent: string[],
  ): Promise<ItemOutcome> {
    let delay = this.backoff.next();
    for (let i = 0; i < Math.min(item.attempts, 20); i += 1) delay = delay.next(undefined);
    const codes = [...new Set(refused.map((f) => f.code))].join(', ');
    const message = `${refused.length} entries refused (${codes}): ${refused[0]?.message ?? ''}`;
    await this.release(item, sent, message, Date.now() + delay.duration);
    this.logger.warn(
      `outbox item ${item.sk}: ${message}; retry in ${Math.round(delay.duration)} ms (attempt ${item.attempts + 1})`,
    );
    return 'deferred';
  }
}
