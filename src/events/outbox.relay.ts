import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { runsJobsInProcess } from '../jobs/jobs.config';
import { batchesForPutEvents } from './billing-event.model';
import { EventPublisher, type PublisherStatus } from './event-publisher';
import { EventsOptions } from './events.options';
import { OutboxMetrics } from './outbox.metrics';
import { type OutboxItem, fromStoredOutboxItem } from './outbox.model';
import { type QueueItemKey, OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';
import {
  type KeyOutcome,
  QueueRelay,
  type QueueDestination,
  type SweepResult,
} from './queue-relay';
import { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';

export interface RelayStatus {
  enabled: boolean;
  running: boolean;
  instanceId: string;
  publisher: PublisherStatus;
  consecutiveFailures: number;
}

/** With publishing off, the outbox only feeds subscribers: its events go nowhere else. */
const NOWHERE: QueueDestination = {
  name: 'no destination',
  batches: (events) => [[...events]],
  deliver: () => Promise.resolve({ failed: [] }),
};

/**
 * Publishes the outbox to EventBridge and feeds the in-process subscribers' queues.
 * Delivery is AT LEAST ONCE (see QueueRelay): consumers dedupe on `eventId`. Events are never
 * dropped; the `outbox_oldest_pending_age_seconds` gauge is what an alert watches.
 *
 * When the relay first claims an outbox item it copies the events each subscriber wants into
 * that subscriber's queue (one transaction, once per item), then publishes. Subscribers are
 * thereby decoupled from EventBridge and from each other: a failing one only grows its own queue.
 */
@Injectable()
export class OutboxRelay
  extends QueueRelay
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly publishingEnabled: boolean;
  /** Container mode: the relay polls on its own. Lambda mode: only sweeps and stream records. */
  private readonly polls: boolean;

  constructor(
    repository: OutboxRepository,
    private readonly publisher: EventPublisher,
    metrics: OutboxMetrics,
    private readonly eventsOptions: EventsOptions,
    private readonly subscriptions: BillingEventSubscriptions,
    private readonly writer: OutboxWriter,
    config: ConfigService<AppConfig, true>,
  ) {
    const publishingEnabled = config.get('events', { infer: true }).publishingEnabled;
    const eventBridge: QueueDestination = {
      name: 'EventBridge',
      batches: batchesForPutEvents,
      deliver: (batch) => publisher.publish(batch),
      delivered: (sent, refused) => {
        metrics.countPublished(sent);
        metrics.countRefused(refused);
      },
    };
    super(
      repository,
      publishingEnabled ? eventBridge : NOWHERE,
      OutboxRepository.shardPartitions(),
      eventsOptions,
      `${hostname()}#${process.pid}#${randomUUID().slice(0, 8)}`,
      'OutboxRelay',
    );
    this.publishingEnabled = publishingEnabled;
    this.polls = runsJobsInProcess(config);
    writer.onStored(() => this.expectEvents());
    metrics.observeBacklog(() => this.backlog());
  }

  /** Something to relay: events are published, or some module subscribes to them. */
  get enabled(): boolean {
    return this.publishingEnabled || this.subscriptions.any;
  }

  onApplicationBootstrap(): void {
    if (this.eventsOptions.autoStart && this.polls) this.start();
  }

  /**
   * Runs before the database connection closes (that happens in onApplicationShutdown), so the
   * final flush can still read and delete outbox items. HTTP is still open at this point:
   * events written after the flush simply wait in the outbox for the next start.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const wasRunning = this.running;
    await this.stop();
    if (wasRunning && !(await this.flush(this.eventsOptions.shutdownFlushMs))) {
      new Logger('OutboxRelay').warn(
        'Stopped with events left in the outbox; the next relay to run sends them',
      );
    }
    this.publisher.close();
  }

  override start(): void {
    if (!this.enabled) return;
    super.start();
    // Running here: the outbox items this process writes with ownedEntryFor are born claimed
    // by this relay and delivered as soon as their transaction commits.
    this.writer.deliverHere({
      instanceId: this.instanceId,
      leaseMs: this.eventsOptions.leaseMs,
      deliver: (item) => void this.deliverOwned(fromStoredOutboxItem(item)),
    });
  }

  override async stop(): Promise<void> {
    this.writer.deliverHere(undefined);
    await super.stop();
  }

  /**
   * Publishes until one pass finds the outbox empty, or `timeoutMs` passed. True when drained.
   * Items claimed by another relay count as not drained (they are still pending).
   */
  override flush(timeoutMs: number): Promise<boolean> {
    return this.enabled ? super.flush(timeoutMs) : Promise.resolve(true);
  }

  /** One pass over everything pending (the `outbox-sweep` job); nothing when disabled. */
  override sweep(): Promise<SweepResult> {
    return this.enabled
      ? super.sweep()
      : Promise.resolve({ delivered: 0, remaining: 0, failed: false });
  }

  /** Publishes the outbox item `key` names (a stream record); nothing to do when disabled. */
  override deliverKey(key: QueueItemKey): Promise<KeyOutcome> {
    return this.enabled ? super.deliverKey(key) : Promise.resolve('done');
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

  /** Copies the item's events to the subscribers that want them, once per item. */
  protected override async prepare(item: OutboxItem): Promise<boolean> {
    if (item.fannedOut) return true;
    const queued = await this.subscriptions.queueItemsFor(item);
    if (queued.length === 0) return true;
    if (!(await this.repository.fanOut(item, this.instanceId, queued))) return false;
    this.subscriptions.expectEvents(queued);
    return true;
  }
}
