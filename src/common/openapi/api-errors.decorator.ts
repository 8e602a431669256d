import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { errorResponse } from './error-responses';

export type ErrorStatus = 400 | 402 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 503;

/**
 * The error responses a route can give beyond the standard ones, by status, with the codes each
 * carries: `@ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'], 409: ['CUSTOMER_EXISTS'] })`. Every code
 * needs an example in `ERROR_CATALOGUE`. Use it once per route.
 *
 * The standard errors are added to every operation by `buildOpenApiDocument`, from the facts of
 * the HTTP pipeline, so routes do not repeat them: 401, 403, 429 and 503 `STORE_UNAVAILABLE` on
 * every route that takes an API key; 400 (malformed body, validation) and 413 on every route
 * that takes a body; 400 `VALIDATION_FAILED` on every route with path or query parameters.
 */
export function ApiErrors(
  spec: Partial<Record<ErrorStatus, readonly string[]>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(spec).map(([status, codes]) =>
      ApiResponse({ status: Number(status), ...errorResponse(Number(status), codes ?? []) }),
    ),
  );
}
