import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DependencyPolicy, ResiliencePolicies } from '../common/resilience';
import type { AppConfig } from '../config/configuration';
import { type BillingEvent, toPutEventsEntry } from './billing-event.model';
import {
  EventPublisher,
  type FailedEntry,
  type PublishResult,
  type PublisherStatus,
} from './event-publisher';
import type { EventsOptions } from './events.options';

const CONNECTION_TIMEOUT_MS = 2_000;

/**
 * PutEvents to the configured bus, through the shared 'eventbridge' resilience policy: its
 * breaker makes an outage cost one probe per half-open interval instead of a call per pending
 * item, and its calls, breaker state and retries show on /metrics (`dependency_*`) and in the
 * readiness details like Stripe's. The policy makes one attempt per call: the relay owns
 * retries, with backoff that spans polls.
 */
export class EventBridgePublisher extends EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly policy: DependencyPolicy;

  constructor(
    private readonly events: AppConfig['events'],
    dynamo: Pick<AppConfig['dynamo'], 'region' | 'localCredentials'>,
    options: EventsOptions,
    policies: ResiliencePolicies,
  ) {
    super();
    this.client = new EventBridgeClient({
      region: dynamo.region,
      endpoint: events.endpoint,
      // A test endpoint accepts any credentials; real AWS uses the SDK's default chain.
      credentials: events.endpoint ? dynamo.localCredentials : undefined,
      // The relay owns retries (backoff that spans polls); SDK retries underneath would
      // multiply calls during an outage.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: options.requestTimeoutMs,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
      }),
    });
    this.policy = policies.for('eventbridge', {
      attempts: 1,
      // The client's own timeouts come first; this one only backs them up.
      timeoutMs: CONNECTION_TIMEOUT_MS + options.requestTimeoutMs,
      breakerThreshold: options.breakerThreshold,
      halfOpenAfterMs: options.breakerHalfOpenAfterMs,
    });
  }

  async publish(events: BillingEvent[]): Promise<PublishResult> {
    const entries = events.map((e) => toPutEventsEntry(e, this.events.bus));
    const out = await this.policy.execute((abortSignal) =>
      this.client.send(new PutEventsCommand({ Entries: entries }), { abortSignal }),
    );
    if (!out.FailedEntryCount) return { failed: [] };
    // Results are positional: Entries[i] answers entries[i].
    const failed: FailedEntry[] = [];
    events.forEach((event, i) => {
      const result = out.Entries?.[i];
      if (!result?.EventId) {
        failed.push({
          eventId: event.eventId,
          code: result?.ErrorCode ?? 'Unknown',
          message: result?.ErrorMessage,
        });
      }
    });
    return { failed };
  }

  status(): PublisherStatus {
    return {
      target: 'eventbridge',
      bus: this.events.bus,
      breaker: this.policy.state,
    };
  }

  override close(): void {
    this.client.destroy();
  }
}
