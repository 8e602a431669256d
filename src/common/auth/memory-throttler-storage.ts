import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** The record `increment` answers (the package does not export its name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  /** When the current window ends (ms since epoch). */
  endsAt: number;
  /** Until when the key is blocked (ms since epoch); 0 when it is not. */
  blockedUntil: number;
}

/** How often windows that ended are dropped, so keys that stopped calling free their memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Rate-limit counters in this process, one fixed window of `ttl` ms per key and throttler: a
 * request costs one map lookup. (The package's default storage keeps a timestamp per hit and
 * filters them all on every request, so its cost grows with the traffic of the key: at the
 * default 60,000 a minute that was the largest cost of an authenticated request.)
 *
 * The same rule as RedisThrottlerStorage, so both stores limit alike: hits count in a window
 * that starts with the first hit; the hit that passes `limit` blocks the key for
 * `blockDuration` ms (the throttler's default is the window) and starts the count over; while
 * blocked, hits are refused and not counted.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private sweeper?: NodeJS.Timeout;

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.count(`${throttlerName}\u0000${key}`, ttl, limit, blockDuration));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private count(
    id: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): ThrottlerStorageRecord {
    const now = Date.now();
    let window = this.windows.get(id);
    if (window && window.blockedUntil > now) {
      const left = seconds(window.blockedUntil - now);
      return { totalHits: limit + 1, timeToExpire: left, isBlocked: true, timeToBlockExpire: left };
    }
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
      this.sweepLater();
    }
    const hits = ++window.hits;
    const left = seconds(window.endsAt - now);
    if (hits <= limit) {
      return { totalHits: hits, timeToExpire: left, isBlocked: false, timeToBlockExpire: 0 };
    }
    if (blockDuration > 0) {
      window.blockedUntil = now + blockDuration;
      window.hits = 0;
      window.endsAt = now;
      return {
        totalHits: hits,
        timeToExpire: left,
        isBlocked: true,
        timeToBlockExpire: seconds(blockDuration),
      };
    }
    return { totalHits: hits, timeToExpire: left, isBlocked: true, timeToBlockExpire: left };
  }

  private sweepLater(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [id, window] of this.windows) {
        if (window.endsAt <= now && window.blockedUntil <= now) this.windows.delete(id);
      }
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
