import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OutboxRelay } from '../events';

/**
 * The event relay's state as a readiness detail. Always up: an EventBridge outage delays events
 * (they wait in the outbox); it must not take the service out of rotation.
 */
@Injectable()
export class EventRelayHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly relay: OutboxRelay,
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
}
