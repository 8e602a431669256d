import { SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from '../../config/configuration';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPE = 'auth:scope';

/** No API key needed (health, docs, metrics, and the Stripe webhook, which has its signature). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The scope a route needs. Without it: GET and HEAD need `read`, everything else `admin`.
 * `admin` keys pass every check.
 */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);
