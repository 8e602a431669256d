import type { BillingEvent } from './billing-event.model';

/** An entry the target refused, by itself (the rest of the call went through). */
export interface FailedEntry {
  eventId: string;
  code: string;
  message?: string;
}

export interface PublishResult {
  failed: FailedEntry[];
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface PublisherStatus {
  target: 'eventbridge' | 'log';
  bus?: string;
  breaker: BreakerState;
}

/**
 * Where published events go (port; the abstract class is the injection token). `publish` sends
 * one PutEvents-sized batch (≤ 10 events, ≤ 256 KiB): it resolves with the entries refused one
 * by one, and rejects when the call as a whole failed (nothing in the batch counts as sent).
 */
export abstract class EventPublisher {
  abstract publish(events: BillingEvent[]): Promise<PublishResult>;
  abstract status(): PublisherStatus;
  /** Releases connections; called by the relay once it has flushed on shutdown. */
  close(): void {}
}
