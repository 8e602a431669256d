import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig, ApiKeyScope } from '../../config/configuration';

export interface Principal {
  /** The key's name from BILLING_API_KEYS: what logs and audit records show. Never the key. */
  name: string;
  scope: ApiKeyScope;
}

interface StoredKey {
  digest: Buffer;
  /** What a request authenticated with this key carries (one frozen object per key). */
  principal: Readonly<Principal>;
}

/** One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12): no Hash object per request. */
const digest = (key: string): Buffer => hash('sha256', key, 'buffer');

/**
 * Keys are kept as SHA-256 digests and compared with `timingSafeEqual` against every configured
 * key (no early exit), so neither the match nor its position leaks through timing.
 */
export class ApiKeyRing {
  private readonly keys: StoredKey[];

  constructor(keys: ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({
      digest: digest(k.key),
      principal: Object.freeze({ name: k.name, scope: k.scope }),
    }));
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
    return found?.principal;
  }

  static generateKey(): string {
    return `bk_${randomBytes(24).toString('base64url')}`;
  }
}

export function scopeAllows(granted: ApiKeyScope, required: ApiKeyScope): boolean {
  return granted === 'admin' || granted === required;
}
