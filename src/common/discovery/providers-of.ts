import type { DiscoveryService } from '@nestjs/core';

/**
 * Every provider of the application that is an instance of `base` (an abstract class other
 * modules extend to plug in: subscribers, invoice adjusters, usage gates), refusing two with the
 * same `name`, in name order so that the order does not depend on module registration.
 */
export function providersOf<T extends { readonly name: string }>(
  discovery: DiscoveryService,
  base: abstract new (...args: never[]) => T,
  what: string,
): T[] {
  const found = discovery
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is T => instance instanceof base);
  const names = new Set<string>();
  for (const provider of found) {
    if (names.has(provider.name)) throw new Error(`Two ${what} are named "${provider.name}"`);
    names.add(provider.name);
  }
  return [...found].sort((a, b) => a.name.localeCompare(b.name));
}
