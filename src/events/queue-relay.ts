import { Logger } from '@nestjs/common';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { BillingEvent } from './billing-event.model';
import type { FailedEntry, PublishResult } from './event-publisher';
import type { EventsOptions } from './events.options';
import type { Backlog } from './outbox.metrics';
import type { OutboxItem } from './outbox.model';
import type { OutboxRepository, QueueItemKey } from './outbox.repository';

/** What one pass over the partitions achieved; drives the next pause. */
interface PassResult {
  /** Events confirmed during the pass. */
  published: number;
  /** Some partition held more claimable items than one pass takes: poll again at once. */
  more: boolean;
  /** Items seen but not finished: held by another relay, waiting out a backoff, or not reached. */
  remaining: number;
  /** The destination or DynamoDB failed: the pass stopped early and the relay backs off. */
  failed: boolean;
}

type ItemOutcome = 'done' | 'deferred' | 'lost' | 'failed';

/** What one sweep over a queue did (the `outbox-sweep` job's result, per queue). */
export interface SweepResult {
  /** Events delivered. */
  delivered: number;
  /** Items left for later: held by another relay, waiting out a backoff, or failed now. */
  remaining: number;
  /** The destination or DynamoDB failed: the sweep stopped early. */
  failed: boolean;
}

/**
 * One item named by its key (a DynamoDB stream record): `done` when its events are delivered
 * (by this call, or before: the item is gone), `held` when another relay holds its lease,
 * `pending` when it still waits (destination down, entries refused, backing off).
 */
export type KeyOutcome = 'done' | 'held' | 'pending';

/** Where a queue's events go: EventBridge for the outbox, a subscriber's handler for its queue. */
export interface QueueDestination {
  /** Names the destination in logs. */
  readonly name: string;
  /** How pending events are grouped into delivery calls (order kept). */
  batches(events: readonly BillingEvent[]): BillingEvent[][];
  /**
   * Delivers one batch: resolves with the entries refused one by one (the rest count as
   * delivered), rejects when the call as a whole failed (nothing in it counts as delivered).
   */
  deliver(batch: BillingEvent[]): Promise<PublishResult>;
  /** After each call: what went through and what was refused (metrics). */
  delivered?(sent: readonly BillingEvent[], refused: readonly BillingEvent[]): void;
}

/** The tuning a queue relay reads (EventsOptions, or a subscriber's own). */
export type QueueRelayOptions = Pick<
  EventsOptions,
  | 'pollIntervalMs'
  | 'idlePollIntervalMs'
  | 'itemsPerShardPerPoll'
  | 'leaseMs'
  | 'retryInitialMs'
  | 'retryMaxMs'
  | 'maxEntryRetries'
  | 'backlogScanLimit'
>;

/** How long after events were stored for this relay it keeps polling at the busy pace. */
const EXPECTING_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** With the cause: a DependencyUnavailable says EventBridge failed, its cause says how. */
export const errorText = (error: unknown): string =>
  error instanceof Error
    ? `${error.name}: ${error.message}${error.cause === undefined ? '' : ` (${errorText(error.cause)})`}`
    : String(error);

/**
 * A durable queue of outbox-shaped items (see OutboxItem) in some partitions of the table,
 * delivered to one destination AT LEAST ONCE: an event is confirmed in its item only after the
 * destination accepted it, so a crash (or an expired lease) between delivery and that record
 * delivers the event again later. Consumers dedupe on `eventId`. Events are never dropped:
 * whatever fails stays in its item and is retried with backoff, forever.
 *
 * Several app instances may run the same relay on one table. Each item is claimed (conditional
 * write, lease `leaseMs`) before it is delivered, so normally exactly one instance delivers it.
 * Leases rely on the instances' clocks agreeing to well within `leaseMs`.
 *
 * Ordering is by creation within a partition on a good day only: a failing item waits out its
 * backoff while later ones go ahead.
 */
export class QueueRelay {
  private readonly logger: Logger;
  private readonly backoff: ExponentialBackoff<unknown>;
  private failureDelay?: IBackoff<unknown>;
  protected consecutiveFailures = 0;
  protected lastError?: string;
  protected running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Shortens an idle pause to the busy interval (events were just stored). */
  private hurry?: () => void;
  /** Until then events are expected (stored recently on this instance): poll at the busy pace. */
  private expectingUntil = 0;
  /** Passes run one at a time (loop and flush share it), so this relay never races itself. */
  private passes: Promise<unknown> = Promise.resolve();
  private readonly owned = new Set<Promise<void>>();

  constructor(
    protected readonly repository: OutboxRepository,
    private readonly destination: QueueDestination,
    private readonly partitions: readonly string[],
    private readonly options: QueueRelayOptions,
    readonly instanceId: string,
    loggerName: string,
  ) {
    this.logger = new Logger(loggerName);
    this.backoff = new ExponentialBackoff({
      initialDelay: options.retryInitialMs,
      maxDelay: options.retryMaxMs,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling after the pass in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.ownedSettled();
  }

  /**
   * Delivers until one pass finds the queue empty, or `timeoutMs` passed. True when drained.
   * Items claimed by another relay count as not drained (they are still pending).
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.ownedSettled();
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

  /**
   * One sweep over every partition without a loop or timer (the `outbox-sweep` job): passes run
   * back to back while some partition holds more than a pass takes, and stop at the first
   * failure. The pass is the loop's own, so the rules (claims, progress, backoff) are the same.
   */
  async sweep(): Promise<SweepResult> {
    let delivered = 0;
    for (;;) {
      const pass = await this.runPass();
      delivered += pass.published;
      if (pass.failed || !pass.more) {
        return { delivered, remaining: pass.remaining, failed: pass.failed };
      }
    }
  }

  /**
   * Delivers the one item `key` names, as a pass would (claim, deliver, delete once every event
   * is confirmed): what a DynamoDB stream record of a new item triggers instead of a poll.
   */
  async deliverKey(key: QueueItemKey): Promise<KeyOutcome> {
    const now = Date.now();
    const mine = await this.repository.claim(key, this.instanceId, now, now + this.options.leaseMs);
    if (!mine) {
      const held = await this.repository.getLease(key);
      if (!held) return 'done';
      return held.claimedBy !== undefined && (held.claimUntil ?? 0) >= now ? 'held' : 'pending';
    }
    const result: PassResult = { published: 0, more: false, remaining: 0, failed: false };
    const outcome = (await this.prepare(mine)) ? await this.deliverItem(mine, result) : 'lost';
    this.consecutiveFailures = outcome === 'failed' ? this.consecutiveFailures + 1 : 0;
    return outcome === 'done' ? 'done' : outcome === 'lost' ? 'held' : 'pending';
  }

  /**
   * Delivers an item this relay holds from its creation (written claimed by this instance, see
   * OutboxWriter.ownedEntryFor), as a pass would once it has claimed it. Never throws: what fails
   * is given back (or left to its lease) for the polls to retry.
   */
  deliverOwned(item: OutboxItem): Promise<void> {
    const delivery = this.deliverClaimed(item).finally(() => this.owned.delete(delivery));
    this.owned.add(delivery);
    return delivery;
  }

  private async deliverClaimed(item: OutboxItem): Promise<void> {
    const result: PassResult = { published: 0, more: false, remaining: 0, failed: false };
    try {
      const outcome = (await this.prepare(item)) ? await this.deliverItem(item, result) : 'lost';
      if (outcome === 'failed') this.consecutiveFailures += 1;
    } catch (error) {
      // DynamoDB failed on the way (the copy to subscribers, the delete): give the item back now
      // rather than when its lease ends. If that fails too, the lease ends it.
      this.lastError = errorText(error);
      this.logger.warn(`queue item ${item.pk} ${item.sk} not delivered: ${this.lastError}`);
      await this.repository
        .release(item, this.instanceId, { error: this.lastError })
        .catch(() => undefined);
    }
  }

  /** Deliveries of owned items under way (`deliverOwned`): flush and stop wait for them. */
  protected async ownedSettled(): Promise<void> {
    while (this.owned.size > 0) await Promise.allSettled([...this.owned]);
  }

  /** Undelivered events over all partitions (a lower bound past `backlogScanLimit` items each). */
  async backlog(): Promise<Backlog> {
    const partitions = await Promise.all(
      this.partitions.map((pk) =>
        this.repository.getPartitionBacklog(pk, this.options.backlogScanLimit),
      ),
    );
    const oldest = partitions
      .map((s) => s.oldestCreatedAt)
      .filter((c): c is string => c !== undefined)
      .sort()[0];
    return {
      pending: partitions.reduce((n, s) => n + s.pending, 0),
      oldestPendingAgeSeconds: oldest ? Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) : 0,
    };
  }

  /** Events were stored for this queue: they commit any moment, so poll at the busy pace. */
  expectEvents(): void {
    this.expectingUntil = Date.now() + EXPECTING_MS;
    this.hurry?.();
  }

  /**
   * Runs on a freshly claimed item before its events are delivered (the outbox fans out to
   * subscribers here). False when the claim was lost meanwhile.
   */
  protected prepare(_item: OutboxItem): Promise<boolean> {
    return Promise.resolve(true);
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

  /**
   * None while a partition has more than one pass takes; the busy interval while events flow
   * (so a busy queue is read in passes of many items, not one query per item); the idle
   * interval otherwise; backoff after errors.
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
    // Partitions are worked in parallel: throughput scales with them, and a slow or failing
    // item holds up only its own partition. allSettled, so none is still running afterwards.
    const partitions = await Promise.allSettled(
      this.partitions.map((pk) =>
        this.passPartition(pk, result).catch((error: unknown) => {
          result.failed = true; // tell the other partitions to stop early
          throw error;
        }),
      ),
    );
    const dynamoError = partitions.find((s) => s.status === 'rejected');
    if (dynamoError) {
      // The relay's own DynamoDB reads and writes failed: same backoff as a destination outage.
      this.lastError = errorText(dynamoError.reason);
      this.logger.warn(`queue pass failed: ${this.lastError}`);
    }
    this.consecutiveFailures = result.failed ? this.consecutiveFailures + 1 : 0;
    return result;
  }

  /** Claims and delivers up to `itemsPerShardPerPoll` items, skipping those it may not take. */
  private async passPartition(pk: string, result: PassResult): Promise<void> {
    let claimed = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.repository.listPartition(
        pk,
        this.options.itemsPerShardPerPoll,
        start,
      );
      for (const item of page.items) {
        if (result.failed) return; // another partition hit an outage: stop hammering
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
        const outcome = (await this.prepare(mine)) ? await this.deliverItem(mine, result) : 'lost';
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
   * Delivers the item's unconfirmed events; retries only the entries the destination refused.
   *
   * Progress is written once per item, not after every call: a finished item is simply
   * deleted, and an unfinished one (outage, refused entries) records what went out together with
   * its release. The price is at-least-once in a wider window: a relay that crashes part-way
   * through an item delivers that item's already-delivered events again (at most 100). A
   * long-running item records its progress when it renews its lease, at half the lease.
   */
  private async deliverItem(item: OutboxItem, result: PassResult): Promise<ItemOutcome> {
    const confirmed = new Set(item.published ?? []);
    const lease = { until: item.claimUntil ?? Date.now() + this.options.leaseMs };
    let unrecorded: string[] = [];
    let entryRetry: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt += 1) {
      const pending = item.events.filter((e) => !confirmed.has(e.eventId));
      if (pending.length === 0) return this.finish(item, confirmed);
      const refused: FailedEntry[] = [];
      for (const batch of this.destination.batches(pending)) {
        let failed: FailedEntry[];
        try {
          ({ failed } = await this.destination.deliver(batch));
        } catch (error) {
          // The call as a whole failed (outage, timeout, breaker open): give the item back at
          // once (any relay may retry it after its own backoff) and end this pass.
          this.lastError = errorText(error);
          await this.release(item, unrecorded, this.lastError);
          this.logger.warn(
            `${this.destination.name} unavailable, ${pending.length} events wait: ${this.lastError}`,
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
        this.destination.delivered?.(
          sent,
          batch.filter((e) => failedIds.has(e.eventId)),
        );
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
   * (our lease ran out and it took over). That relay re-delivers what it has not seen recorded
   * (the at-least-once duplicate), so we tell it what went out, then leave the item alone.
   */
  private async renew(item: OutboxItem, ids: string[], lease: { until: number }) {
    const until = Date.now() + this.options.leaseMs;
    if (await this.repository.recordPublished(item, this.instanceId, ids, until)) {
      lease.until = until;
      return true;
    }
    await this.repository.recordPublishedUnowned(item, ids);
    this.logger.warn(`lost the lease on queue item ${item.pk} ${item.sk} while delivering`);
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
   * Entries keep being refused one by one (throttling, a failing handler, or an event the
   * destination will never accept): the item waits out a growing backoff, so it neither blocks
   * its partition nor is dropped.
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
    this.lastError = message;
    await this.release(item, sent, message, Date.now() + delay.duration);
    this.logger.warn(
      `queue item ${item.pk} ${item.sk}: ${message}; retry in ${Math.round(delay.duration)} ms (attempt ${item.attempts + 1})`,
    );
    return 'deferred';
  }
}
