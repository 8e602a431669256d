import { z } from 'zod';
import { type ConfigOf, defineConfig } from '../config/config-fragment';

/** The plan catalogue file loaded at start. */
export const plansConfig = defineConfig(
  'plans',
  { PLANS_FILE: z.string().default('config/plans.json') },
  (e) => ({ file: e.PLANS_FILE }),
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    plans: ConfigOf<typeof plansConfig>;
  }
}
