import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import {
  DependencyPolicy,
  type BreakerSnapshot,
  type CallOutcome,
  type PolicyObserver,
} from './dependency-policy';
import type { BreakerState, DependencyName, ResilienceOptions } from './resilience.options';
import { isTransientError } from './transient-errors';

/**
 * Defaults sized for a synchronous API call to a payment/event provider: three tries within a
 * few seconds, each attempt allowed 10 s, breaker opens after 5 consecutive failed attempts
 * (about two failed calls) and tries again after 30 s.
 */
export const DEFAULT_RESILIENCE_OPTIONS: Readonly<ResilienceOptions> = Object.freeze({
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  timeoutMs: 10_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  isTransient: isTransientError,
});

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

function registered<T>(registry: Registry, name: string, create: () => T): T {
  // Several registries may share one MetricsService in tests; prom-client refuses duplicates.
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * One resilience policy (and so one circuit breaker) per outbound dependency, shared by every
 * caller in the process. The owner of a dependency (e.g. the Stripe gateway) configures it with
 * the first `for(name, options)`; anyone else gets the same instance with `for(name)`.
 */
@Injectable()
export class ResiliencePolicies {
  private readonly logger = new Logger('Resilience');
  private readonly policies = new Map<string, DependencyPolicy>();
  private readonly configured = new Map<string, Partial<ResilienceOptions>>();
  private readonly calls: Counter<'dependency' | 'outcome'>;
  private readonly retries: Counter<'dependency'>;
  private readonly circuitState: Gauge<'dependency'>;
  private readonly observer: PolicyObserver;

  constructor(metrics: MetricsService) {
    const registry = metrics.registry;
    this.calls = registered(
      registry,
      'dependency_calls_total',
      () =>
        new Counter({
          name: 'dependency_calls_total',
          help: 'Calls to outbound dependencies by outcome (success, rejected, unavailable, short_circuited)',
          labelNames: ['dependency', 'outcome'] as const,
          registers: [registry],
        }),
    );
    this.retries = registered(
      registry,
      'dependency_retries_total',
      () =>
        new Counter({
          name: 'dependency_retries_total',
          help: 'Retried attempts against outbound dependencies',
          labelNames: ['dependency'] as const,
          registers: [registry],
        }),
    );
    this.circuitState = registered(
      registry,
      'dependency_circuit_state',
      () =>
        new Gauge({
          name: 'dependency_circuit_state',
          help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open',
          labelNames: ['dependency'] as const,
          registers: [registry],
        }),
    );
    this.observer = {
      outcome: (dependency: string, outcome: CallOutcome) =>
        this.calls.inc({ dependency, outcome }),
      retry: (dependency: string, attempt: number, delayMs: number, error: unknown) => {
        this.retries.inc({ dependency });
        this.logger.debug(
          { dependency, attempt, delayMs, err: error },
          `retrying ${dependency} call (attempt ${attempt + 1}) in ${Math.round(delayMs)} ms`,
        );
      },
      stateChange: (dependency: string, state: BreakerState) => {
        this.circuitState.set({ dependency }, STATE_VALUE[state]);
        const message = `${dependency} circuit breaker is ${state}`;
        if (state === 'open') this.logger.warn({ dependency, state }, message);
        else this.logger.log({ dependency, state }, message);
      },
    };
  }

  /**
   * The policy for `name`. `options` apply when the policy is created; passing different options
   * for an existing policy is a wiring mistake (two owners), so it throws rather than silently
   * keeping one of them.
   */
  for(name: DependencyName, options?: Partial<ResilienceOptions>): DependencyPolicy {
    const existing = this.policies.get(name);
    if (existing) {
      if (options && !sameOptions(this.configured.get(name) ?? {}, options)) {
        throw new Error(
          `Resilience policy "${name}" is already configured with other options; configure it in one place`,
        );
      }
      return existing;
    }
    const policy = new DependencyPolicy(
      name,
      { ...DEFAULT_RESILIENCE_OPTIONS, ...definedOnly(options ?? {}) },
      this.observer,
    );
    this.policies.set(name, policy);
    this.circuitState.set({ dependency: name }, STATE_VALUE[policy.state]);
    this.configured.set(name, options ?? {});
    return policy;
  }

  /** Breaker state of every dependency used so far, for health details. */
  snapshot(): Record<string, BreakerSnapshot> {
    const out: Record<string, BreakerSnapshot> = {};
    for (const [name, policy] of this.policies) out[name] = policy.snapshot();
    return out;
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

function sameOptions(a: Partial<ResilienceOptions>, b: Partial<ResilienceOptions>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ResilienceOptions>;
  return [...keys].every((k) => a[k] === b[k]);
}
