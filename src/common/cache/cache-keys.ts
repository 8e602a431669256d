/**
 * Cache keys are owned by the module whose data they hold: it defines each family once, next to
 * its code (e.g. `customers/customer.cache-keys.ts`), and both reads and invalidations go through
 * the builder, so a write can never miss the key its read was cached under. A name can be
 * defined once only, so two modules can never share (and clobber) a key.
 */

export type CacheKey = (id: string) => string;
export type CollectionCacheKey = () => string;

const names = new Set<string>();

function claim(name: string): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new Error(`Cache key name "${name}" is not kebab-case`);
  if (names.has(name)) throw new Error(`Cache key name "${name}" is defined twice`);
  names.add(name);
}

/** Keys `<name>:<id>` for one resource per id. */
export function defineCacheKey(name: string): CacheKey {
  claim(name);
  return (id) => `${name}:${id}`;
}

/** One key `<name>` for a whole collection. */
export function defineCollectionCacheKey(name: string): CollectionCacheKey {
  claim(name);
  return () => name;
}
