import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BillingEventSubscriptions, OutboxRelay } from '../events';

/**
 * The event relay's state as a readiness detail. Always up: an EventBridge outage delays events
 * (they wait in the outbox); it must not take the service out of rotation.
 */
@Injectable()
export class EventRelayHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly relay: OutboxRelay,
    private readonly subscriptions: BillingEventSubscriptions,
  ) {}

  check(key = 'eventRelay') {
    const { publisher, consecutiveFailures, running } = this.relay.status();
    return this.indicators.check(key).up({
      running,
      target: publisher.target,
      breaker: publisher.breaker,
      consecutiveFailures,
    });
  }

  /**
   * Each in-process subscriber's state. Always up: a failing subscriber only delays its own
   * events (they wait in its queue); its lag is on /metrics (`subscriber_lag_seconds`).
   */
  checkSubscribers(key = 'subscribers') {
    const subscribers = Object.fromEntries(
      this.subscriptions
        .status()
        .map(({ name, running, consecutiveFailures, lastError }) => [
          name,
          { running, consecutiveFailures, ...(consecutiveFailures > 0 ? { lastError } : {}) },
        ]),
    );
    return this.indicators.check(key).up(subscribers);
  }
}
