import { invalidRequest, missingParam, unknownParam } from './errors';
import type { Params } from './types';

/**
 * Real Stripe rejects unknown top-level params, which catches typos and fields
 * removed in newer API versions (e.g. `unit_amount` on invoice items). The
 * fake accepts every param the pinned API version knows, even those it then
 * ignores, and rejects the rest.
 */
export function allowOnly(params: Params, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== 'expand' && !allowed.includes(key)) throw unknownParam(key);
  }
}

export function str(params: Params, key: string, required = false): string | undefined {
  const value = params[key];
  if (value === undefined || (required && value === '')) {
    if (required) throw missingParam(key);
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param: key });
  }
  return value;
}

export function requiredStr(params: Params, key: string): string {
  const value = str(params, key, true);
  if (value === undefined) throw missingParam(key);
  return value;
}

export function int(params: Params, key: string, opts: { min?: number; max?: number } = {}) {
  const raw = str(params, key);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw invalidRequest(`Invalid integer: ${raw}`, {
      code: 'parameter_invalid_integer',
      param: key,
    });
  }
  const n = Number(raw);
  if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    const range = `${opts.min ?? '-inf'} and ${opts.max ?? 'inf'}`;
    throw invalidRequest(`Invalid ${key}: must be between ${range}`, { param: key });
  }
  return n;
}

export function bool(params: Params, key: string): boolean | undefined {
  const raw = str(params, key);
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') {
    throw invalidRequest(`Invalid boolean: ${raw}`, { param: key });
  }
  return raw === 'true';
}

export function oneOf<T extends string>(params: Params, key: string, values: readonly T[]) {
  const raw = str(params, key);
  if (raw === undefined) return undefined;
  if (!values.includes(raw as T)) {
    throw invalidRequest(`Invalid ${key}: must be one of ${values.join(', ')}`, { param: key });
  }
  return raw as T;
}

/** Stripe accepts any case and stores lowercase ISO codes. */
export function currency(params: Params, key = 'currency'): string | undefined {
  const raw = str(params, key);
  if (raw === undefined) return undefined;
  if (!/^[a-zA-Z]{3}$/.test(raw)) {
    throw invalidRequest(`Invalid currency: ${raw}`, { param: key });
  }
  return raw.toLowerCase();
}

const METADATA_MAX_KEYS = 50;
const METADATA_MAX_KEY_LENGTH = 40;
const METADATA_MAX_VALUE_LENGTH = 500;

/**
 * Metadata updates merge: an empty value unsets one key, and `metadata=`
 * (the SDK's encoding of `metadata: null`/`''`) clears them all.
 */
export function mergeMetadata(
  current: Record<string, string>,
  params: Params,
): Record<string, string> {
  const raw = params.metadata;
  if (raw === undefined) return current;
  if (raw === '') return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidRequest('Invalid metadata: metadata must be a hash', { param: 'metadata' });
  }
  const next = { ...current };
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') {
      throw invalidRequest(`Invalid metadata[${k}]: metadata values must be strings`, {
        param: `metadata[${k}]`,
      });
    }
    if (k.length > METADATA_MAX_KEY_LENGTH) {
      throw invalidRequest(
        `Metadata keys can have up to ${METADATA_MAX_KEY_LENGTH} characters, but the key '${k}' has ${k.length}.`,
        { param: 'metadata' },
      );
    }
    if (v.length > METADATA_MAX_VALUE_LENGTH) {
      throw invalidRequest(
        `Metadata values can have up to ${METADATA_MAX_VALUE_LENGTH} characters, but the value for '${k}' has ${v.length}.`,
        { param: `metadata[${k}]` },
      );
    }
    if (v === '') delete next[k];
    else next[k] = v;
  }
  if (Object.keys(next).length > METADATA_MAX_KEYS) {
    throw invalidRequest(`Metadata can have up to ${METADATA_MAX_KEYS} keys.`, {
      param: 'metadata',
    });
  }
  return next;
}

export function expandPaths(params: Params): string[] {
  const raw = params.expand;
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((p) => {
    if (typeof p !== 'string') throw invalidRequest('Invalid array', { param: 'expand' });
    return p;
  });
}
