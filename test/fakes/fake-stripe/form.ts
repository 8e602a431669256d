import { invalidRequest } from './errors';
import type { Params } from './types';

// Keys that would let a crafted body reach Object.prototype through bracket paths.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest(`Invalid URL encoding in request: ${raw}`);
  }
}

/** `a[b][0][c]` -> ['a', 'b', '0', 'c']; `a[]` -> ['a', ''] (append). */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  let consumed = open;
  while ((match = re.exec(key)) !== null && match.index === consumed) {
    parts.push(match[1]);
    consumed = re.lastIndex;
  }
  if (consumed !== key.length) throw invalidRequest(`Invalid parameter name: ${key}`);
  return parts;
}

type Node = Record<string, unknown>;

function assign(root: Node, path: string[], value: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let part = path[i];
    if (FORBIDDEN_KEYS.has(part)) throw invalidRequest(`Invalid parameter name: ${part}`);
    const last = i === path.length - 1;
    if (part === '') {
      // `expand[]=x` style: append at the next free integer slot so it folds into an array.
      part = String(Object.keys(node).length);
    }
    if (last) {
      node[part] = value;
      return;
    }
    const existing = node[part];
    if (existing === undefined) {
      const child: Node = {};
      node[part] = child;
      node = child;
    } else if (typeof existing === 'object' && existing !== null) {
      node = existing as Node;
    } else {
      throw invalidRequest(`Invalid hash: ${path.slice(0, i + 1).join('.')} was given as a string`);
    }
  }
}

/** Stripe turns hashes whose keys are exactly 0..n-1 into arrays (the SDK sends `a[0]`, `a[1]`). */
function foldArrays(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Node;
  const keys = Object.keys(obj);
  for (const k of keys) obj[k] = foldArrays(obj[k]);
  const sequential = keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (!sequential) return obj;
  const indices = keys.map(Number).sort((a, b) => a - b);
  if (!indices.every((n, i) => n === i)) return obj;
  return indices.map((i) => obj[String(i)]);
}

/** Decodes `application/x-www-form-urlencoded` (or a query string) with bracket nesting. */
export function decodeForm(raw: string): Params {
  const root: Node = {};
  if (!raw) return root;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    assign(root, splitKey(key), value);
  }
  return foldArrays(root) as Params;
}

/** Order-insensitive serialisation so idempotency compares params, not their encoding order. */
export function canonicalize(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalize((value as Node)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
