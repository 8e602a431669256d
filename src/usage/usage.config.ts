import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { int } from '../config/env-vars';

/** How far back usage may be recorded (older events are refused). */
export const usageConfig = defineConfig('usage', { USAGE_MAX_AGE_DAYS: int(35, 1, 3650) }, (e) => ({
  maxAgeDays: e.USAGE_MAX_AGE_DAYS,
}));

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    usage: ConfigOf<typeof usageConfig>;
  }
}
