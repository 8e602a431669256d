import { defineCacheKey, defineCollectionCacheKey } from './cache-keys';

describe('cache keys', () => {
  it('builds <name>:<id> and collection keys', () => {
    expect(defineCacheKey('widget')('w1')).toBe('widget:w1');
    expect(defineCollectionCacheKey('widgets')()).toBe('widgets');
  });

  it('refuses a name two modules would share, and names that could collide', () => {
    defineCacheKey('gadget');
    expect(() => defineCacheKey('gadget')).toThrow(/defined twice/);
    expect(() => defineCollectionCacheKey('gadget')).toThrow(/defined twice/);
    expect(() => defineCacheKey('Gadget:x')).toThrow(/kebab-case/);
  });
});
