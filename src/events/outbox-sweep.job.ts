import { Injectable } from '@nestjs/common';
import { Job } from '../jobs/job';
import { OutboxRelay } from './outbox.relay';
import type { SweepResult } from './queue-relay';
import { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';

export interface OutboxSweepResult {
  outbox: SweepResult;
  /** Per subscriber, its queue's sweep. */
  subscribers: Record<string, SweepResult>;
}

/**
 * `outbox-sweep`: one pass of publishing over every outbox shard (which also fans events out
 * to the subscribers' queues), then one over every subscriber queue. In container mode the
 * relays' loops run the same passes continuously; in Lambda mode the stream handler delivers
 * new items and this job, on a schedule, picks up whatever the stream could not (items released
 * after an outage, records the stream gave up on).
 */
@Injectable()
export class OutboxSweepJob extends Job<OutboxSweepResult> {
  readonly name = 'outbox-sweep';

  constructor(
    private readonly relay: OutboxRelay,
    private readonly subscriptions: BillingEventSubscriptions,
  ) {
    super();
  }

  async run(): Promise<OutboxSweepResult> {
    const outbox = await this.relay.sweep();
    const subscribers = await this.subscriptions.sweep();
    return { outbox, subscribers };
  }
}
