import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobRegistry } from './job-registry';
// The run mode: defined on import, validated at start with every other fragment.
import './jobs.config';

/**
 * Background jobs as callable units: each module registers its `Job`s as providers; the
 * registry finds them, and the Lambda `scheduled` handler runs one by name. In container mode
 * the modules' own schedules call the same implementations.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [JobRegistry],
  exports: [JobRegistry],
})
export class JobsModule {}
