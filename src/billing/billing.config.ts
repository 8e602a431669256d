import { z } from 'zod';
import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { billingRunCronProblem } from './runs/billing-run.scheduler';

/** When the monthly billing run closes the previous period (UTC cron, or "off"). */
export const billingConfig = defineConfig(
  'billing',
  { BILLING_RUN_CRON: z.string().default('5 0 1 * *') },
  (e) => ({ runCron: e.BILLING_RUN_CRON }),
  {
    check: (billing, _context, problems) => {
      const problem = billingRunCronProblem(billing.runCron.trim());
      if (problem) problems.push(problem);
    },
  },
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    billing: ConfigOf<typeof billingConfig>;
  }
}
