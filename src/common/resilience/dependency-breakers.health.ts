import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ResiliencePolicies } from './resilience-policies';

/**
 * Reports every dependency breaker as details of the readiness check, and is always "up": an open
 * breaker means Stripe or EventBridge is down, which degrades billing (calls fail fast with 503,
 * events wait in the outbox) but does not make this instance unfit for traffic. Failing readiness
 * would take every instance out of the load balancer at once for an outage none of them can fix.
 */
@Injectable()
export class DependencyBreakersHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly policies: ResiliencePolicies,
  ) {}

  check(key = 'dependencies') {
    return this.indicators.check(key).up(this.policies.snapshot());
  }
}
