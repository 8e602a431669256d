import { ApiKeyRing, scopeAllows } from './api-keys';

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing([
    { name: 'ops', scope: 'admin', key: 'k_admin_0123456789abcdef' },
    { name: 'collector', scope: 'ingest', key: 'k_ingest_0123456789abcdef' },
  ]);

  it('finds the principal of a configured key', () => {
    expect(ring.authenticate('k_ingest_0123456789abcdef')).toEqual({
      name: 'collector',
      scope: 'ingest',
    });
  });

  it('rejects unknown keys, prefixes and empty strings', () => {
    expect(ring.authenticate('k_ingest_0123456789abcde')).toBeUndefined();
    expect(ring.authenticate('')).toBeUndefined();
    expect(ring.authenticate('k_admin_0123456789abcdef ')).toBeUndefined();
  });

  it('lets admin do everything and other scopes only their own', () => {
    expect(scopeAllows('admin', 'ingest')).toBe(true);
    expect(scopeAllows('read', 'read')).toBe(true);
    expect(scopeAllows('read', 'ingest')).toBe(false);
    expect(scopeAllows('ingest', 'admin')).toBe(false);
  });
});
