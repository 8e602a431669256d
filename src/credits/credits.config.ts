import { type ConfigOf, defineConfig } from '../config/config-fragment';
import { int } from '../config/env-vars';

/**
 * Prepaid credits: when an expired grant's remainder is written off (the end of the last period
 * it was in force in, plus the grace, so that period's invoice can still use it), and how often
 * each instance looks for such grants.
 */
export const creditsConfig = defineConfig(
  'credits',
  {
    CREDITS_EXPIRY_GRACE_HOURS: int(168, 0, 8_760),
    // 0 turns the sweep off on this instance (CreditExpiry.sweep can still be called).
    CREDITS_EXPIRY_SWEEP_SECONDS: int(300, 0, 86_400),
  },
  (e) => ({
    expiryGraceHours: e.CREDITS_EXPIRY_GRACE_HOURS,
    expirySweepSeconds: e.CREDITS_EXPIRY_SWEEP_SECONDS,
  }),
);

declare module '../config/config-fragment' {
  interface ModuleConfigs {
    credits: ConfigOf<typeof creditsConfig>;
  }
}
