import { Global, Module } from '@nestjs/common';
import { ResiliencePolicies } from './resilience-policies';

/**
 * Global because breakers must be process-wide singletons: one per dependency, whichever module
 * calls it. The health indicator is not provided here; HealthModule provides it next to its
 * Terminus import (it needs Terminus' HealthIndicatorService).
 */
@Global()
@Module({
  providers: [ResiliencePolicies],
  exports: [ResiliencePolicies],
})
export class ResilienceModule {}
