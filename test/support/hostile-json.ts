import fc from 'fast-check';

/*
 * Hostile JSON for fuzzing. Bodies are built as a small tree and rendered by hand, because
 * JSON.stringify cannot produce what attackers send: duplicate keys, `__proto__` as a plain key,
 * number literals that parse to Infinity (1e400) or -0, and lone surrogates.
 */

/** A number literal written as-is: `1e400` (→ Infinity), `-0`, `1E-400`, 30-digit integers. */
export class RawNumber {
  constructor(readonly raw: string) {}
}

/** An object as an ordered list of entries: keys may repeat and may be `__proto__`. */
export class Entries {
  constructor(readonly entries: [string, JsonTree][]) {}
}

export type JsonTree = string | number | boolean | null | RawNumber | Entries | JsonTree[];

/** Converts a plain JSON value (fixtures, valid bodies) into a tree. */
export function toTree(value: unknown): JsonTree {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(toTree);
  if (typeof value === 'object') {
    return new Entries(Object.entries(value).map(([k, v]) => [k, toTree(v)]));
  }
  return null;
}

export function renderJson(tree: JsonTree): string {
  if (tree instanceof RawNumber) return tree.raw;
  if (tree instanceof Entries) {
    return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${renderJson(v)}`).join(',')}}`;
  }
  if (Array.isArray(tree)) return `[${tree.map(renderJson).join(',')}]`;
  if (typeof tree === 'number' && !Number.isFinite(tree)) return '1e400';
  // Well-formed JSON.stringify writes lone surrogates as \udXXX escapes, which JSON.parse turns
  // back into lone surrogates on the server.
  return JSON.stringify(tree);
}

/** `depth` nested arrays or objects around a scalar, built iteratively (no recursion here). */
export function deepNesting(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const asArray = kind === 'array' || (kind === 'mixed' && i % 2 === 0);
    open.push(asArray ? '[' : '{"a":');
    close.push(asArray ? ']' : '}');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A marker no real code ever sets: finding it on Object.prototype means pollution. */
export const POLLUTION_MARKER = 'fzPolluted';

export const SPECIAL_NUMBER_LITERALS = [
  '0',
  '-0',
  '-1',
  '1e308',
  '-1e308',
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '0.1',
  '1.0000001',
  '9007199254740993',
  '123456789012345678901234567890',
  '1E3',
  '0.0000001',
  '-0.0',
  '1000000.0000001',
];

export const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202e\u0041',
  '\ufeff',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '-0',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '1e400',
  '-1',
  '0x10',
  ' 5 ',
  '5.5',
  '1,000',
  '١٢٣',
  '1_000',
  '0b11',
  'true',
  'null',
  'undefined',
  '[object Object]',
  '%00',
  '%E0%A4%A',
  '../../etc/passwd',
  '#',
  'CUSTOMER#x',
  'a#b',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '{{7*7}}',
  '/',
  '/api/*',
  '*',
  '2026-02-30',
  '2026-13-01',
  '2026-02',
  '9999-12',
  '0000-01',
  '2026-03-15T12:00:00Z',
  '2026-03-15T25:61:61Z',
  '2026-03-15T12:00:00+99:99',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-12-31T23:59:59.999999999Z',
  'USD',
  'usd',
  'XXX',
  'paid',
  'fz-base',
];

/** Code units including lone surrogates, NUL and controls (the 'binary' unit excludes halves). */
const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
);

/** Short hostile strings: for paths, query strings and keys. */
export const hostileShortString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: hostileUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_NUMBER_LITERALS) },
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: hostileShortString },
  {
    weight: 1,
    // Long strings: past every length limit, up to ~200 KB.
    arbitrary: fc
      .tuple(fc.constantFrom(256, 1_000, 5_000, 65_536, 200_000), hostileUnit)
      .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)),
  },
);

export const hostileScalar: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...SPECIAL_NUMBER_LITERALS).map((r) => new RawNumber(r)),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', ' ', 'id', 'events', 'usage', 'plan', 'metadata', 'toString'),
  },
  { weight: 2, arbitrary: fc.string({ unit: hostileUnit, maxLength: 12 }) },
);

export function clone(tree: JsonTree): JsonTree {
  if (tree instanceof Entries) return new Entries(tree.entries.map(([k, v]) => [k, clone(v)]));
  if (Array.isArray(tree)) return tree.map(clone);
  return tree;
}

/** `{"__proto__": {"fzPolluted": …}}` and `{"constructor": {"prototype": {…}}}` payloads. */
export const pollutionPayload: fc.Arbitrary<JsonTree> = fc
  .constantFrom<JsonTree>(
    new Entries([['__proto__', new Entries([[POLLUTION_MARKER, 'yes']])]]),
    new Entries([
      ['constructor', new Entries([['prototype', new Entries([[POLLUTION_MARKER, 'yes']])]])],
    ]),
    new Entries([['prototype', new Entries([[POLLUTION_MARKER, 'yes']])]]),
    new Entries([
      [
        '__proto__',
        new Entries([
          ['toString', 'yes'],
          ['valueOf', 1],
        ]),
      ],
    ]),
  )
  // A fresh copy each time: mutations edit trees in place.
  .map((tree) => clone(tree));

export const hostileValue: fc.Arbitrary<JsonTree> = fc.letrec<{
  value: JsonTree;
  array: JsonTree[];
  object: JsonTree;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: hostileScalar },
    { weight: 1, arbitrary: tie('array') },
    { weight: 1, arbitrary: tie('object') },
    { weight: 1, arbitrary: pollutionPayload },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc
    .array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 })
    .map((entries) => new Entries(entries)),
})).value;

/** One edit of a valid body: the way a near-miss client (or an attacker) differs from it. */
export type Mutation =
  | { op: 'replace'; at: number; value: JsonTree }
  | { op: 'delete'; at: number }
  | { op: 'insert'; at: number; key: string; value: JsonTree }
  | { op: 'duplicate'; at: number; value: JsonTree }
  | { op: 'retype'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('replace' as const),
      at: fc.nat(),
      value: hostileValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      key: hostileKey,
      value: fc.oneof(hostileValue, pollutionPayload),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('duplicate' as const),
      at: fc.nat(),
      value: hostileValue,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retype' as const), at: fc.nat() }) },
);

const NUMBER_LITERAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Every node in pre-order, with a setter to replace it in its parent. */
function nodes(root: JsonTree): { node: JsonTree; set: (v: JsonTree) => void }[] {
  const out: { node: JsonTree; set: (v: JsonTree) => void }[] = [];
  const holder: JsonTree[] = [root];
  const stack: { node: JsonTree; set: (v: JsonTree) => void }[] = [
    { node: root, set: (v) => (holder[0] = v) },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    out.push(item);
    const { node } = item;
    if (node instanceof Entries) {
      node.entries.forEach((entry) => stack.push({ node: entry[1], set: (v) => (entry[1] = v) }));
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, set: (v) => (node[i] = v) }));
    }
  }
  return out;
}

/** Applies edits to a copy of `valid` (positions are taken modulo the current node count). */
export function mutate(valid: JsonTree, edits: Mutation[]): JsonTree {
  const box: { root: JsonTree } = { root: clone(valid) };
  for (const edit of edits) {
    const all = nodes(box.root);
    // Node 0 is the root: replacing it swaps the whole body (arrays, scalars, null).
    const target = all[edit.at % all.length];
    const setTarget = edit.at % all.length === 0 ? (v: JsonTree) => (box.root = v) : target.set;
    const objects = all.filter((n) => n.node instanceof Entries);
    const object = objects.length ? (objects[edit.at % objects.length].node as Entries) : undefined;
    switch (edit.op) {
      case 'replace':
        setTarget(clone(edit.value));
        break;
      case 'delete':
        if (object && object.entries.length)
          object.entries.splice(edit.at % object.entries.length, 1);
        break;
      case 'insert':
        object?.entries.push([edit.key, clone(edit.value)]);
        break;
      case 'duplicate':
        if (object && object.entries.length) {
          const [key] = object.entries[edit.at % object.entries.length];
          object.entries.push([key, clone(edit.value)]);
        }
        break;
      case 'retype': {
        // Numbers become strings and strings numbers; objects become arrays of their values.
        const n = target.node;
        if (typeof n === 'number') setTarget(String(n));
        else if (n instanceof RawNumber) setTarget(n.raw);
        else if (typeof n === 'string') setTarget(NUMBER_LITERAL.test(n) ? new RawNumber(n) : [n]);
        else if (n instanceof Entries) setTarget(n.entries.map(([, v]) => v));
        else if (Array.isArray(n)) setTarget(new Entries(n.map((v, i) => [String(i), v])));
        else setTarget(n === null ? 'null' : String(n));
        break;
      }
    }
  }
  return box.root;
}
