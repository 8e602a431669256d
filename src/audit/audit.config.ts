import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { bool } from '../config/env-vars';

export const auditConfig = defineConfig('audit', { BILLING_ENABLE_AUDIT: bool(true) }, (e) => ({
  enabled: e.BILLING_ENABLE_AUDIT,
}));

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    audit: ConfigOf<typeof auditConfig>;
  }
}
