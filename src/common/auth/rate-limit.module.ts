import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../../config/configuration';

/**
 * RATE_LIMIT_PER_MINUTE requests per API key per minute (0 turns it off). Counters live in this
 * process, so with N instances behind a balancer a key gets up to N times the limit.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>) => {
    const { perMinute } = config.get('rateLimit', { infer: true });
    return {
      throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, perMinute) }],
      skipIf: () => perMinute === 0,
    };
  },
});
