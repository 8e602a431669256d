import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig, ApiKeyScope } from '../../config/configuration';

export interface Principal {
  /** The key's name from BILLING_API_KEYS: what logs and audit records show. Never the key. */
  name: string;
  scope: ApiKeyScope;
}

interface StoredKey extends Principal {
  digest: Buffer;
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * Keys are kept as SHA-256 digests and compared with `timingSafeEqual` against every configured
 * key (no early exit), so neither the match nor its position leaks through timing.
 */
export class ApiKeyRing {
  private readonly keys: StoredKey[];

  constructor(keys: ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({ name: k.name, scope: k.scope, digest: digest(k.key) }));
  }

  get size(): number {
    return this.keys.length;
  }

  authenticate(presented: string): Principal | undefined {
    const candidate = digest(presented);
    let found: StoredKey | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(candidate, key.digest) && !found) found = key;
    }
    return found ? { name: found.name, scope: found.scope } : undefined;
  }

  static generateKey(): string {
    return `bk_${randomBytes(24).toString('base64url')}`;
  }
}

export function scopeAllows(granted: ApiKeyScope, required: ApiKeyScope): boolean {
  return granted === 'admin' || granted === required;
}
