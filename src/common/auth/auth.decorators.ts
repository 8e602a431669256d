import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { ApiKeyScope } from '../../config/configuration';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPE = 'auth:scope';

/** Where the OpenAPI document shows the scope an operation needs. */
export const SCOPE_EXTENSION = 'x-required-scope';

/**
 * No API key needed (health, docs, metrics, and the Stripe webhook, which has its signature).
 * The empty security requirement marks the operation keyless in the OpenAPI document
 * (`buildOpenApiDocument` writes it as `security: []`).
 */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiSecurity({}));

/** The scope a route needs when it does not say: GET and HEAD need `read`, the rest `admin`. */
export const defaultScope = (method: string): ApiKeyScope =>
  method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'read' : 'admin';

/**
 * The scope a route needs. Without it: `defaultScope`. `admin` keys pass every check.
 */
export const RequireScope = (scope: ApiKeyScope) =>
  applyDecorators(SetMetadata(REQUIRED_SCOPE, scope), ApiExtension(SCOPE_EXTENSION, scope));
