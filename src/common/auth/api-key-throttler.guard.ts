import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { DomainError } from '../errors/domain-error';
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

/**
 * `@nestjs/throttler` keyed by API key (runs after ApiKeyGuard, which identifies the key), so one
 * noisy client cannot starve the others. Routes without a key (health, docs, metrics, the
 * signature-checked Stripe webhook) are not limited here. Sets `X-RateLimit-*` headers and, when
 * blocked, answers 429 `RATE_LIMITED` with `Retry-After`.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return `key:${(req as unknown as AuthenticatedRequest).principal?.name ?? 'anonymous'}`;
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
}
