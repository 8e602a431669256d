import { CanActivate, ExecutionContext, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyScope, AppConfig } from '../../config/configuration';
import { SecretsRefresher } from '../../config/secrets-refresher';
import { ScopeForbidden, Unauthenticated } from '../errors/domain-error';
import { PerRoute } from '../http/per-route';
import { RequestContext } from '../request-context';
import { ApiKeyRing, type Principal, scopeAllows } from './api-keys';
import { defaultScope, PUBLIC_ROUTE, REQUIRED_SCOPE } from './auth.decorators';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * Identifies the caller by its bearer key. The keys come from BILLING_API_KEYS, or from Secrets
 * Manager (BILLING_API_KEYS_ARN / BILLING_SECRETS_ARN): then a refresh that finds rotated keys
 * replaces the ring at once, so a removed key is refused and a new one accepted without a restart.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private ring: ApiKeyRing;

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService<AppConfig, true>,
    // Absent where a module graph is built without SecretsModule (parts of the app in tests).
    @Optional() secrets?: SecretsRefresher,
  ) {
    secrets?.onApiKeys((keys) => (this.ring = new ApiKeyRing(keys)));
    const { apiKeys } = config.get('auth', { infer: true });
    const { isProduction } = config.get('app', { infer: true });
    if (apiKeys.length === 0 && !isProduction) {
      // Development convenience: a fresh admin key per start, shown once. Production refuses to
      // start without keys (see configuration.ts).
      const key = ApiKeyRing.generateKey();
      new Logger('Auth').warn(
        `No BILLING_API_KEYS configured: generated a development admin key for this run: ${key}`,
      );
      this.ring = new ApiKeyRing([{ name: 'dev-admin', scope: 'admin', key }]);
    } else {
      this.ring = new ApiKeyRing(apiKeys);
    }
  }

  /** Whether a route is public and the scope it names, read once per route. */
  private readonly access = new PerRoute((handler, controller) => ({
    isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, controller]),
    scope: this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE, [
      handler,
      controller,
    ]),
  }));

  canActivate(context: ExecutionContext): boolean {
    const access = this.access.of(context);
    if (access.isPublic) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new Unauthenticated();
    const principal = this.ring.authenticate(match[1]);
    if (!principal) throw new Unauthenticated('The API key is not valid');

    const required = access.scope ?? defaultScope(request.method);
    if (!scopeAllows(principal.scope, required))
      throw new ScopeForbidden(required, principal.scope);
    request.principal = principal;
    RequestContext.setActor({ type: 'api_key', name: principal.name });
    return true;
  }
}
