import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import type { AppConfig } from '../../config/configuration';
import { runsJobsInProcess } from '../../jobs/jobs.config';
import type { BillingEventType } from '../billing-event-map';
import type { BillingEvent } from '../billing-event.model';
import { EventsOptions } from '../events.options';
import type { Backlog } from '../outbox.metrics';
import {
  type OutboxItem,
  type StoredOutboxItem,
  SUBSCRIBER_QUEUE_ITEM_TYPE,
} from '../outbox.model';
import { type QueueItemKey, OutboxRepository } from '../outbox.repository';
import {
  type KeyOutcome,
  QueueRelay,
  type QueueDestination,
  type SweepResult,
  errorText,
} from '../queue-relay';
import {
  BillingEventSubscriber,
  type CustomerWatch,
  type WatchKey,
} from './billing-event-subscriber';
import { SubscriptionMetrics } from './subscription.metrics';
import { providersOf } from '../../common/discovery/providers-of';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface SubscriberStatus {
  name: string;
  eventTypes: readonly BillingEventType[];
  running: boolean;
  consecutiveFailures: number;
  lastError?: string;
}

/** One subscriber's queue, delivered to its handler one event at a time. */
class SubscriberRelay extends QueueRelay {
  /** Deliveries refused since the last one that went through. */
  private failuresInARow = 0;

  constructor(
    readonly subscriber: BillingEventSubscriber,
    repository: OutboxRepository,
    options: EventsOptions,
    instanceId: string,
    metrics: SubscriptionMetrics,
  ) {
    const handler: QueueDestination = {
      name: `subscriber ${subscriber.name}`,
      // One event per call, so progress is exact: a failure retries only its own event. A
      // subscriber with `handleBatch` gets an item's events in one call (all retried on failure).
      batches: (events) => (subscriber.handleBatch ? [[...events]] : events.map((e) => [e])),
      deliver: async (batch) => {
        try {
          if (subscriber.handleBatch) await subscriber.handleBatch(batch as never);
          else await subscriber.handle(batch[0] as never);
          return { failed: [] };
        } catch (error) {
          const message = errorText(error);
          return {
            failed: batch.map((e) => ({ eventId: e.eventId, code: 'HANDLER_FAILED', message })),
          };
        }
      },
      delivered: (sent, refused) => {
        metrics.count(subscriber.name, sent.length, refused.length);
        this.failuresInARow = refused.length > 0 ? this.failuresInARow + refused.length : 0;
      },
    };
    super(
      repository,
      handler,
      [OutboxRepository.queuePartition(subscriber.name)],
      {
        ...options,
        retryInitialMs: subscriber.retry?.initialMs ?? options.retryInitialMs,
        retryMaxMs: subscriber.retry?.maxMs ?? options.retryMaxMs,
        // A throwing handler waits out its backoff between polls rather than inside one.
        maxEntryRetries: 0,
      },
      instanceId,
      `Subscriber:${subscriber.name}`,
    );
  }

  status(): SubscriberStatus {
    return {
      name: this.subscriber.name,
      eventTypes: this.subscriber.eventTypes,
      running: this.running,
      consecutiveFailures: this.consecutiveFailures + this.failuresInARow,
      lastError: this.lastError,
    };
  }
}

/**
 * Finds every `BillingEventSubscriber` provider of the application and runs one durable queue
 * per subscriber (see BillingEventSubscriber for the guarantees). The outbox relay copies events
 * into the queues (`queueItemsFor`); each queue is worked by its own relay, so subscribers never
 * wait on each other or on EventBridge.
 */
@Injectable()
export class BillingEventSubscriptions
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private relays: SubscriberRelay[] = [];
  private wanted = new Set<BillingEventType>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly repository: OutboxRepository,
    private readonly options: EventsOptions,
    private readonly metrics: SubscriptionMetrics,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onModuleInit(): void {
    const subscribers: BillingEventSubscriber<BillingEventType>[] = providersOf(
      this.discovery,
      BillingEventSubscriber,
      'billing event subscribers',
    );
    for (const subscriber of subscribers) {
      if (!NAME.test(subscriber.name)) {
        throw new Error(
          `Billing event subscriber name "${subscriber.name}" must match ${String(NAME)}`,
        );
      }
    }
    const instanceId = `${hostname()}#${process.pid}#${randomUUID().slice(0, 8)}`;
    this.relays = subscribers.map(
      (s) => new SubscriberRelay(s, this.repository, this.options, instanceId, this.metrics),
    );
    this.wanted = new Set(subscribers.flatMap((s) => s.eventTypes));
    this.metrics.observe(() => this.backlogs());
  }

  onApplicationBootstrap(): void {
    if (!this.options.autoStart || !runsJobsInProcess(this.config)) return;
    for (const relay of this.relays) relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.relays.map((relay) => relay.stop()));
  }

  /** True when some module subscribes to something. */
  get any(): boolean {
    return this.relays.length > 0;
  }

  /** Whether some subscriber wants events of this type. */
  wants(type: BillingEventType): boolean {
    return this.wanted.has(type);
  }

  /** The queue items an outbox item becomes: per subscriber, the events of its types. */
  async queueItemsFor(item: OutboxItem): Promise<StoredOutboxItem[]> {
    const perRelay = this.relays.map((relay) => {
      const types = new Set<string>(relay.subscriber.eventTypes);
      return { relay, events: item.events.filter((e) => types.has(e.type)) };
    });
    const watches = await this.readWatches(perRelay);
    const items: StoredOutboxItem[] = [];
    for (const { relay, events: ofTypes } of perRelay) {
      const { subscriber } = relay;
      let events = ofTypes;
      if (events.length > 0 && subscriber.watch) {
        events = await watchedEvents(events, subscriber.watch, watches);
      }
      if (events.length > 0 && subscriber.wanted) {
        events = await subscriber.wanted(events as never);
      }
      if (events.length === 0) continue;
      items.push({
        ...OutboxRepository.queueItemKey(relay.subscriber.name, item.createdAt, item.id),
        type: SUBSCRIBER_QUEUE_ITEM_TYPE,
        id: item.id,
        shard: 0,
        createdAt: item.createdAt,
        payload: JSON.stringify(events),
        eventCount: events.length,
        attempts: 0,
      });
    }
    return items;
  }

  /**
   * The watch items (see `BillingEventSubscriber.watch`) of every watching subscriber for every
   * customer of its events, in one consistent batch read, by `pk\u0000sk`.
   */
  private async readWatches(
    perRelay: readonly { relay: SubscriberRelay; events: readonly BillingEvent[] }[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const keys = new Map<string, WatchKey>();
    for (const { relay, events } of perRelay) {
      const watch = relay.subscriber.watch;
      if (!watch) continue;
      for (const e of events) {
        if (e.customerId === undefined) continue;
        const key = watch.key(e.customerId);
        keys.set(keyId(key), key);
      }
    }
    if (keys.size === 0) return new Map();
    const items = await this.repository.readItems([...keys.values()]);
    return new Map(items.map((i) => [keyId(i as unknown as WatchKey), i]));
  }
  /** Queue items were just written on this instance: their relays poll at the busy pace. */
  expectEvents(items: readonly StoredOutboxItem[]): void {
    const partitions = new Set(items.map((i) => i.pk));
    for (const relay of this.relays) {
      if (partitions.has(OutboxRepository.queuePartition(relay.subscriber.name))) {
        relay.expectEvents();
      }
    }
  }

  /** Delivers every queue until empty or `timeoutMs` passed (tests, shutdown). */
  async flush(timeoutMs: number): Promise<boolean> {
    const drained = await Promise.all(this.relays.map((relay) => relay.flush(timeoutMs)));
    return drained.every(Boolean);
  }

  /** One sweep over every queue (the `outbox-sweep` job), by subscriber name. */
  async sweep(): Promise<Record<string, SweepResult>> {
    const results = await Promise.all(
      this.relays.map(async (relay) => [relay.subscriber.name, await relay.sweep()] as const),
    );
    return Object.fromEntries(results);
  }

  /**
   * Delivers the queue item `key` names to `subscriber` (a stream record); `done` when no such
   * subscriber exists any more (its queue is nobody's).
   */
  deliverKey(subscriber: string, key: QueueItemKey): Promise<KeyOutcome> {
    const relay = this.relays.find((r) => r.subscriber.name === subscriber);
    return relay ? relay.deliverKey(key) : Promise.resolve('done');
  }

  status(): SubscriberStatus[] {
    return this.relays.map((relay) => relay.status());
  }

  private async backlogs(): Promise<Map<string, Backlog>> {
    const entries = await Promise.all(
      this.relays.map(async (relay) => [relay.subscriber.name, await relay.backlog()] as const),
    );
    return new Map(entries);
  }
}

const keyId = (key: WatchKey) => `${key.pk}\u0000${key.sk}`;

/** The events whose customer `watch` says is watched (decided once per customer). */
async function watchedEvents<E extends BillingEvent>(
  events: readonly E[],
  watch: CustomerWatch,
  items: ReadonlyMap<string, Record<string, unknown>>,
): Promise<E[]> {
  const customers = [...new Set(events.flatMap((e) => (e.customerId ? [e.customerId] : [])))];
  const answers = await Promise.all(
    customers.map(
      async (c) => [c, await watch.watched(c, items.get(keyId(watch.key(c))))] as const,
    ),
  );
  const keep = new Set(answers.filter(([, yes]) => yes).map(([c]) => c));
  return events.filter((e) => e.customerId !== undefined && keep.has(e.customerId));
}
