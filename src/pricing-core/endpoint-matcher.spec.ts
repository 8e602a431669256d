import { isValidEndpointPattern, matchesEndpoint } from './endpoint-matcher';

describe('matchesEndpoint', () => {
  it.each([
    ['*', '/anything/at/all', true],
    ['/api/search', '/api/search', true],
    ['/api/search', '/api/search/', false],
    ['/api/search', '/API/search', false],
    ['/api/search', '/api/searches', false],
    ['/api/*', '/api/search', true],
    ['/api/*', '/api/a/b/c', true],
    ['/api/*', '/api/', true],
    ['/api/*', '/api', false],
    ['/api/*', '/apis/search', false],
    ['/*', '/health', true],
  ])('%s vs %s -> %s', (pattern, endpoint, expected) => {
    expect(matchesEndpoint(pattern, endpoint)).toBe(expected);
  });
});

describe('isValidEndpointPattern', () => {
  it.each(['*', '/', '/*', '/api/search', '/api/*', '/v1/customers/usage', `/${'a'.repeat(254)}`])(
    'accepts %p',
    (pattern) => expect(isValidEndpointPattern(pattern)).toBe(true),
  );

  it.each(['', 'api', '**', '/api*', '/api/*/x', '/a b', `/${'a'.repeat(255)}`, 42, null])(
    'rejects %p',
    (pattern) => expect(isValidEndpointPattern(pattern)).toBe(false),
  );
});
