export const MAX_ENDPOINT_LENGTH = 255;

const EXACT = /^\/[^*\s]*$/;
const PREFIX = /^\/(?:[^*\s]*\/)?\*$/;

/**
 * A pattern is "*", an exact path ("/api/search") or a prefix ending in "/*" ("/api/*").
 * "*" anywhere else is rejected rather than read as a glob, so nobody expects "/api/*\/search".
 */
export function isValidEndpointPattern(pattern: unknown): pattern is string {
  return (
    typeof pattern === 'string' &&
    pattern.length <= MAX_ENDPOINT_LENGTH &&
    (pattern === '*' || EXACT.test(pattern) || PREFIX.test(pattern))
  );
}

/**
 * Case-sensitive, like URL paths. "/api/*" matches "/api/search" and "/api/a/b" but neither
 * "/api" nor "/apis": the slash before "*" is part of the prefix.
 */
export function matchesEndpoint(pattern: string, endpoint: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return endpoint.startsWith(pattern.slice(0, -1));
  return endpoint === pattern;
}
