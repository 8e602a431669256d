import { Injectable, Logger } from '@nestjs/common';
import { type Actor, RequestContext } from '../common/request-context';
import { Clock } from '../common/time/clock';
import { OutboxWriter } from '../events';
import { StripeEventHandlers } from './handlers/stripe-event-handlers';
import type { HandlerOutcome } from './handlers/handler-outcome';
import { type StripeEvent, isoFromEpochSeconds, parseStripeEvent } from './stripe-event';
import {
  WEBHOOK_LEASE_MS,
  WEBHOOK_RETENTION_DAYS,
  type WebhookEventEntry,
  type WebhookEventStatus,
} from './webhook-event.model';
import {
  type Claim,
  WebhookInboxRepository,
  type WebhookEventPage,
} from './webhook-inbox.repository';
import { WebhookSignatureVerifier } from './webhook-signature.verifier';
import { WebhookMetrics } from './webhook.metrics';
import {
  WebhookEventInProgress,
  WebhookEventNotFound,
  WebhookProcessingFailed,
  describeError,
} from './webhook.errors';

export const STRIPE_ACTOR: Actor = { type: 'stripe', name: 'stripe-webhook' };

/** Runs of one claim that lost a race on a handler's conditional write before giving up. */
const MAX_RUNS = 3;
const DAY_SECONDS = 86_400;

export interface DeliveryResult {
  received: true;
  duplicate: boolean;
  status: WebhookEventStatus;
}

/**
 * Inbox first: a verified event is stored (conditional put on its id) before any handler runs,
 * so a redelivery, or a second delivery racing the first, finds the entry and changes nothing.
 * Exactly one run owns an entry at a time (`received` + lease + attempt number); it records the
 * outcome with the outbox events in one transaction. A failed run leaves the entry `failed` and
 * answers 5xx, so Stripe redelivers, and a redelivery of a failed entry runs again.
 */
@Injectable()
export class StripeWebhooksService {
  private readonly logger = new Logger('StripeWebhooks');

  constructor(
    private readonly verifier: WebhookSignatureVerifier,
    private readonly inbox: WebhookInboxRepository,
    private readonly handlers: StripeEventHandlers,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly metrics: WebhookMetrics,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: unknown): Promise<DeliveryResult> {
    const { event, payload } = this.metrics.verified(() =>
      this.verifier.verify(rawBody, signature),
    );
    // Changes made for this delivery are Stripe's, whoever's network it came through.
    RequestContext.setActor(STRIPE_ACTOR);
    return this.metrics.delivered(event.type, () => this.deliver(event, payload));
  }

  private async deliver(event: StripeEvent, payload: string): Promise<DeliveryResult> {
    const entry = this.newEntry(event, payload);
    if (await this.inbox.insert(entry)) return this.run(entry, event, false);

    const stored = await this.inbox.get(event.id);
    if (!stored) throw new Error(`Webhook event ${event.id} vanished between insert and read`);
    if (!this.redeliveryRuns(stored)) {
      return { received: true, duplicate: true, status: stored.status };
    }
    const claimed = await this.claim(stored);
    if (!claimed) return { received: true, duplicate: true, status: 'received' };
    return this.run(claimed, event, false);
  }

  /** Runs a stored event again (admin); the answer is the entry afterwards, whatever the outcome. */
  async replay(eventId: string): Promise<WebhookEventEntry> {
    const stored = await this.get(eventId);
    if (this.inFlight(stored)) throw new WebhookEventInProgress(eventId);
    const event = storedEvent(stored);
    const claimed = await this.claim(stored);
    if (!claimed) throw new WebhookEventInProgress(eventId);
    try {
      await this.run(claimed, event, true);
    } catch (error) {
      if (!(error instanceof WebhookProcessingFailed)) throw error;
    }
    return this.get(eventId);
  }

  /**
   * Finishes entries whose run died (process crash) without recording an outcome: a Stripe
   * redelivery would do it too, but Stripe may have had its 2xx already. Returns how many ran.
   */
  async recoverStale(limit: number): Promise<number> {
    const { entries } = await this.inbox.listByStatus('received', limit, undefined, true);
    let ran = 0;
    for (const stale of entries.filter((e) => !this.inFlight(e))) {
      const event = storedEvent(stale);
      const claimed = await this.claim(stale);
      if (!claimed) continue;
      ran++;
      await RequestContext.runAs(STRIPE_ACTOR, () => this.run(claimed, event, false)).catch(
        (error: unknown) => {
          if (!(error instanceof WebhookProcessingFailed)) throw error;
        },
      );
    }
    return ran;
  }

  async get(eventId: string): Promise<WebhookEventEntry> {
    const entry = await this.inbox.get(eventId);
    if (!entry) throw new WebhookEventNotFound(eventId);
    return entry;
  }

  list(status: WebhookEventStatus, limit: number, cursor?: string): Promise<WebhookEventPage> {
    return this.inbox.listByStatus(status, limit, cursor);
  }

  private async run(
    entry: WebhookEventEntry,
    event: StripeEvent,
    replayed: boolean,
  ): Promise<DeliveryResult> {
    const claim: Claim = { id: entry.id, attempts: entry.attempts };
    try {
      for (let run = 1; run <= MAX_RUNS; run++) {
        const outcome = await this.handlers.handle(event);
        const events = [...(outcome.events ?? [])];
        if (outcome.status === 'processed') {
          events.push(this.webhookProcessed(event, outcome, claim.attempts, replayed));
        }
        const outboxEntry = this.outbox.entryFor(events);
        const completed = await this.inbox.complete(
          claim,
          {
            status: outcome.status,
            reason: outcome.reason,
            result: outcome.result,
            at: this.clock.now().toISOString(),
          },
          [...(outcome.writes ?? []), ...(outboxEntry ? [outboxEntry] : [])],
        );
        if (completed === 'done')
          return { received: true, duplicate: false, status: outcome.status };
        // Another run took the entry over (our lease ran out): the outcome is theirs to record.
        if (completed === 'lease_lost')
          return { received: true, duplicate: true, status: 'received' };
        // 'conflict': another event changed the same record meanwhile; decide again.
      }
      throw new Error(`still conflicting with concurrent events after ${MAX_RUNS} runs`);
    } catch (error) {
      await this.recordFailure(claim, error);
      throw new WebhookProcessingFailed(event.id, error);
    }
  }

  private async recordFailure(claim: Claim, error: unknown): Promise<void> {
    try {
      await this.inbox.markFailed(claim, describeError(error), this.clock.now().toISOString());
    } catch (markError) {
      // Most likely the store is down: the entry stays `received` and its lease runs out, after
      // which a redelivery or the recovery job runs it again.
      this.logger.error({ err: markError, eventId: claim.id }, 'Could not mark webhook failed');
    }
  }

  /** A redelivery runs again only after a failure, or when the run holding it has died. */
  private redeliveryRuns(entry: WebhookEventEntry): boolean {
    return entry.status === 'failed' || (entry.status === 'received' && !this.inFlight(entry));
  }

  private inFlight(entry: WebhookEventEntry): boolean {
    return entry.status === 'received' && (entry.leaseUntil ?? 0) > this.clock.now().getTime();
  }

  private claim(entry: WebhookEventEntry): Promise<WebhookEventEntry | undefined> {
    const now = this.clock.now();
    return this.inbox.claim(
      entry,
      now.toISOString(),
      now.getTime(),
      now.getTime() + WEBHOOK_LEASE_MS,
    );
  }

  private newEntry(event: StripeEvent, payload: string): WebhookEventEntry {
    const now = this.clock.now();
    const at = now.toISOString();
    return {
      id: event.id,
      provider: 'stripe',
      eventType: event.type,
      livemode: event.livemode,
      apiVersion: event.api_version,
      createdAt: isoFromEpochSeconds(event.created),
      receivedAt: at,
      status: 'received',
      attempts: 1,
      lastAttemptAt: at,
      leaseUntil: now.getTime() + WEBHOOK_LEASE_MS,
      payload,
      // DynamoDB expires items by its own (real) clock, so the expiry is real time too: from a
      // frozen or skewed business clock it could fall in the past and drop the dedupe record.
      expiresAt: Math.floor(Date.now() / 1000) + WEBHOOK_RETENTION_DAYS * DAY_SECONDS,
    };
  }

  private webhookProcessed(
    event: StripeEvent,
    outcome: HandlerOutcome,
    attempt: number,
    replayed: boolean,
  ) {
    const { customerId, invoiceId, paymentId, changes } = outcome.result;
    return this.outbox.event(
      'billing.webhook.processed',
      {
        stripeEventId: event.id,
        stripeEventType: event.type,
        livemode: event.livemode,
        invoiceId: invoiceId ?? null,
        paymentId: paymentId ?? null,
        changes,
        attempt,
        replayed,
      },
      { customerId },
    );
  }
}

/** The event an entry was stored from (verified when it arrived). */
function storedEvent(entry: WebhookEventEntry): StripeEvent {
  return parseStripeEvent(JSON.parse(entry.payload));
}
