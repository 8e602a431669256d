import { Injectable } from '@nestjs/common';
import { OutboxRelay } from './outbox.relay';
import { type QueueItemKey, OutboxRepository } from './outbox.repository';
import type { KeyOutcome } from './queue-relay';
import { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';

/** A stream record's outcome: a queue item's (see KeyOutcome), or `ignored` (not a queue item). */
export type QueueItemOutcome = KeyOutcome | 'ignored';

/**
 * Delivers queue items named by key, the way a new item in the table's DynamoDB stream asks
 * for it: an outbox item is published (and fanned out to the subscriber queues) by the outbox
 * relay, a subscriber queue item goes to its subscriber. Same claims, exactly-once delete and
 * at-least-once delivery as the polling relays; no loop.
 */
@Injectable()
export class QueueItemDelivery {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly subscriptions: BillingEventSubscriptions,
  ) {}

  /** True when `pk` is an outbox shard or a subscriber queue. */
  isQueueItem(key: QueueItemKey): boolean {
    return OutboxRepository.queueOf(key.pk) !== undefined;
  }

  deliver(key: QueueItemKey): Promise<QueueItemOutcome> {
    const queue = OutboxRepository.queueOf(key.pk);
    if (!queue) return Promise.resolve('ignored');
    return queue.kind === 'outbox'
      ? this.relay.deliverKey(key)
      : this.subscriptions.deliverKey(queue.subscriber, key);
  }
}
