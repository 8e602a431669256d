import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Logger } from '@nestjs/common';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import type { AppConfig } from '../config/configuration';
import { type BillingEvent, toPutEventsEntry } from './billing-event.model';
import {
  type BreakerState,
  EventPublisher,
  type FailedEntry,
  type PublishResult,
  type PublisherStatus,
} from './event-publisher';
import type { EventsOptions } from './events.options';

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * PutEvents to the configured bus, behind a circuit breaker so an outage costs one probe per
 * half-open interval instead of a call per pending item.
 *
 * The breaker is local to this class for now (cockatiel directly); it is the piece to swap for
 * the shared per-dependency policy registry once that exists.
 */
export class EventBridgePublisher extends EventPublisher {
  private readonly logger = new Logger('EventBridge');
  private readonly client: EventBridgeClient;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    private readonly events: AppConfig['events'],
    dynamo: Pick<AppConfig['dynamo'], 'region' | 'localCredentials'>,
    options: EventsOptions,
  ) {
    super();
    this.client = new EventBridgeClient({
      region: dynamo.region,
      endpoint: events.endpoint,
      // A test endpoint accepts any credentials; real AWS uses the SDK's default chain.
      credentials: events.endpoint ? dynamo.localCredentials : undefined,
      // The relay owns retries (backoff that spans polls, breaker that sees every failure);
      // SDK retries underneath would multiply calls during an outage.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 2_000,
        requestTimeout: options.requestTimeoutMs,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
      }),
    });
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.breaker.onStateChange((state) =>
      this.logger.warn(`EventBridge circuit breaker ${BREAKER_STATES[state]}`),
    );
  }

  async publish(events: BillingEvent[]): Promise<PublishResult> {
    const entries = events.map((e) => toPutEventsEntry(e, this.events.bus));
    const out = await this.breaker.execute(() =>
      this.client.send(new PutEventsCommand({ Entries: entries })),
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
      breaker: BREAKER_STATES[this.breaker.state],
    };
  }

  override close(): void {
    this.client.destroy();
  }
}
