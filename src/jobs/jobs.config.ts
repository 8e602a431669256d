import type { ConfigService } from '@nestjs/config';
import { z } from 'zod';
import { type ConfigOf, defineConfig } from '../config/config-fragment';
import type { AppConfig } from '../config/configuration';

/**
 * How background jobs are driven. `container` (default): each instance runs them on its own
 * timers (outbox relay loops, the billing-run cron and sweep, retries). `lambda`: nothing is
 * started in-process; jobs run when triggered from outside (the `scheduled` and `outboxStream`
 * Lambda handlers), so no timer outlives an invocation. `src/lambda.ts` always uses `lambda`.
 */
export const jobsConfig = defineConfig(
  'jobs',
  { RUN_MODE: z.enum(['container', 'lambda']).default('container') },
  (e) => ({ runMode: e.RUN_MODE }),
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    jobs: ConfigOf<typeof jobsConfig>;
  }
}

export type RunMode = ConfigOf<typeof jobsConfig>['runMode'];

/** True when this process runs its background jobs itself (container mode). */
export function runsJobsInProcess(config: ConfigService<AppConfig, true>): boolean {
  return config.get('jobs', { infer: true }).runMode === 'container';
}
