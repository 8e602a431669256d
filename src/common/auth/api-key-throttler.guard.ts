import { ExecutionContext, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
} from '@nestjs/throttler';
// The metadata keys `@Throttle` and `@SkipThrottle` write (not re-exported by the package's index).
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import { DomainError } from '../errors/domain-error';
import { PerRoute } from '../http/per-route';
import type { AuthenticatedRequest } from './api-key.guard';

export class RateLimited extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(
      'RATE_LIMITED',
      'rate_limited',
      'Too many requests for this API key; slow down',
      undefined,
      Math.max(1, retryAfterSeconds),
    );
  }
}

/** Whom a count belongs to: the API key, by name. */
const trackerOf = (keyName: string) => `key:${keyName}`;

/** One throttler's settings for one route, with the route's `@Throttle` overrides applied. */
interface RouteLimit {
  throttler: ThrottlerOptions;
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  /** Header names (the `default` throttler's carry no suffix). */
  headers: { limit: string; remaining: string; reset: string; retryAfter: string };
}

/**
 * `@nestjs/throttler` keyed by API key (runs after ApiKeyGuard, which identifies the key), so one
 * noisy client cannot starve the others. Routes without a key (health, docs, metrics, the
 * signature-checked Stripe webhook) are not limited here. Sets `X-RateLimit-*` headers and, when
 * blocked, answers 429 `RATE_LIMITED` with `Retry-After`.
 *
 * The package's `canActivate` resolves every throttler's settings from the route's metadata on
 * every request (six reflector calls and several awaits per throttler); here they are resolved
 * once per route, and a request costs one storage call per throttler. Routes whose settings are
 * functions of the request, or throttlers with options this path does not read (their own
 * tracker or key generator, user agents to ignore, headers off), take the package's path.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  private readonly limits = new PerRoute((handler, controller) =>
    this.resolveLimits(handler, controller),
  );

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) return true;
    const limits = this.limits.of(context);
    if (!limits) return super.canActivate(context);
    const reply = context.switchToHttp().getResponse<Record<string, unknown>>();
    const tracker = trackerOf(principal.name);
    for (const { throttler, name, limit, ttl, blockDuration, headers } of limits) {
      if ((throttler.skipIf ?? this.commonOptions.skipIf)?.(context)) continue;
      const key = this.generateKey(context, tracker, name);
      const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
      if (record.isBlocked) {
        this.setResponseHeader(reply, headers.retryAfter, record.timeToBlockExpire);
        await this.throwThrottlingException(context, { limit, ttl, key, tracker, ...record });
      }
      this.setResponseHeader(reply, headers.limit, limit);
      this.setResponseHeader(reply, headers.remaining, Math.max(0, limit - record.totalHits));
      this.setResponseHeader(reply, headers.reset, record.timeToExpire);
    }
    return true;
  }
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return trackerOf((req as unknown as AuthenticatedRequest).principal?.name ?? 'anonymous');
  }

  /**
   * The package hashes `Class-handler-throttler-tracker` with SHA-256 on every request; the
   * string itself is just as unique (and bounded: route names, throttler names, key names).
   */
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${context.getClass().name}-${context.getHandler().name}-${name}-${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new RateLimited(detail.timeToBlockExpire);
  }

  /**
   * Every throttler's settings for a route, resolved as the package does on each request;
   * undefined when one cannot be fixed in advance (see the class comment).
   */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  private resolveLimits(handler: Function, controller: Function): RouteLimit[] | undefined {
    const meta = (key: string, name: string): unknown =>
      this.reflector.getAllAndOverride<unknown>(`${key}${name}`, [handler, controller]);
    const limits: RouteLimit[] = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name ?? 'default';
      if (meta(THROTTLER_SKIP, name)) continue;
      const limit = meta(THROTTLER_LIMIT, name) ?? throttler.limit;
      const ttl = meta(THROTTLER_TTL, name) ?? throttler.ttl;
      const blockDuration = meta(THROTTLER_BLOCK_DURATION, name) ?? throttler.blockDuration ?? ttl;
      const custom =
        meta(THROTTLER_TRACKER, name) !== undefined ||
        meta(THROTTLER_KEY_GENERATOR, name) !== undefined ||
        throttler.getTracker !== undefined ||
        throttler.generateKey !== undefined ||
        (throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents) !== undefined ||
        (throttler.setHeaders ?? this.commonOptions.setHeaders) === false;
      if (
        custom ||
        typeof limit !== 'number' ||
        typeof ttl !== 'number' ||
        typeof blockDuration !== 'number'
      )
        return undefined;
      const suffix = name === 'default' ? '' : `-${name}`;
      limits.push({
        throttler,
        name,
        limit,
        ttl,
        blockDuration,
        headers: {
          limit: `${this.headerPrefix}-Limit${suffix}`,
          remaining: `${this.headerPrefix}-Remaining${suffix}`,
          reset: `${this.headerPrefix}-Reset${suffix}`,
          retryAfter: `Retry-After${suffix}`,
        },
      });
    }
    return limits;
  }
}
