export { DependencyBreakersHealthIndicator } from './dependency-breakers.health';
export { DependencyUnavailable, type UnavailableReason } from './dependency-errors';
export { DependencyPolicy, type BreakerSnapshot, type CallOutcome } from './dependency-policy';
export { DEFAULT_RESILIENCE_OPTIONS, ResiliencePolicies } from './resilience-policies';
export type { BreakerState, DependencyName, ResilienceOptions } from './resilience.options';
export { ResilienceModule } from './resilience.module';
export { isTransientError, isTransientStatus } from './transient-errors';
