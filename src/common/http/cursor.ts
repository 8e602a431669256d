import { InvalidCursor } from '../errors/domain-error';

type Key = Record<string, string>;
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** Opaque pagination cursor: DynamoDB's LastEvaluatedKey, base64url-encoded. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

/**
 * Decodes and checks a cursor: only our key attributes, only strings, and (when given) the
 * partition it must belong to, so a crafted cursor cannot read another partition.
 */
export function decodeCursor(cursor: string | undefined, expected?: Partial<Key>): Key | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCursor();
  }
  const entries = Object.entries(parsed);
  if (
    entries.length === 0 ||
    entries.some(([k, v]) => !KEY_ATTRIBUTES.has(k) || typeof v !== 'string')
  ) {
    throw new InvalidCursor();
  }
  const key = parsed as Key;
  for (const [attribute, value] of Object.entries(expected ?? {})) {
    if (key[attribute] !== value) throw new InvalidCursor();
  }
  return key;
}
