import { createHmac } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import {
  Entries,
  hostileShortString,
  hostileValue,
  type JsonTree,
  deepNesting,
  mutate,
  mutation,
  pollutionPayload,
  renderJson,
  toTree,
} from './hostile-json';
import { fillTemplate, type Route, type Schema } from './openapi-routes';
import type { RawRequest } from './raw-http';
import { TEST_KEYS } from './test-app';

/*
 * Requests for the fuzz test (hardening-fuzz.e2e-spec.ts): near-valid bodies with hostile edits,
 * hostile path segments, query strings and headers, for any route of the OpenAPI document.
 */

export const NOW = '2026-03-15T12:00:00.000Z';
export const PERIOD = '2026-03';
export const WEBHOOK_SECRET = 'whsec_fuzz_secret_0123456789abcdef';
export const WEBHOOK_ROUTE = 'POST /v1/webhooks/stripe';
/** Existing records the fuzzer aims at, so validation and lookups run past the 404s. */
export const BASE_CUSTOMER = 'fz-base';
export const BASE_INVOICE = `inv_${BASE_CUSTOMER}_${PERIOD}`;
/** An invoice of a period that has ended: the one the signed webhook events name. */
export const PAST_PERIOD = '2026-02';
export const PAST_INVOICE = `inv_${BASE_CUSTOMER}_${PAST_PERIOD}`;
/** Ids the fuzzer makes up: any record holding one must come from a request that succeeded. */
export const FRESH_TOKEN = /fzr\d+/g;

const plan = (id: string) => ({
  id,
  name: 'Fuzz plan',
  currency: 'USD',
  baseFee: '10.00',
  minimumCharge: '0',
  limits: { unitsPerDay: 100000 },
  charges: [
    {
      id: 'calls',
      endpoint: '/api/*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 1000, unitAmount: '0' },
        { upTo: null, unitAmount: '0.01', flatAmount: '1.00' },
      ],
    },
  ],
});

export const usageEvent = (eventId: string) => ({
  customerId: BASE_CUSTOMER,
  endpoint: '/api/search',
  quantity: '2.5',
  timestamp: '2026-03-15T11:00:00Z',
  eventId,
});

/** A body each known route accepts; anything else gets one sampled from its schema. */
export function validBody(route: Route, fresh: string): unknown {
  switch (route.key) {
    case 'POST /v1/customers':
      return {
        id: fresh,
        email: `${fresh}@example.test`,
        name: 'Fuzz',
        planId: 'paid',
        metadata: { crm: 'A-1' },
      };
    case 'PATCH /v1/customers/{id}':
      return { name: 'Renamed', metadata: { k: 'v' } };
    case 'POST /v1/plans':
      return plan(fresh);
    case 'PUT /v1/plans/{id}': {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { id, ...rest } = plan(fresh);
      return rest;
    }
    case 'POST /v1/usage':
      return usageEvent(fresh);
    case 'POST /v1/usage/batch':
      return { events: [usageEvent(fresh), { ...usageEvent(`${fresh}b`), quantity: 3 }] };
    case 'POST /v1/pricing/quote':
      return Number(fresh.replace(/\D/g, '')) % 2
        ? {
            planId: 'paid',
            usage: { '/api/search': 1500, '/api/x': { quantity: '2.5', events: 3 } },
          }
        : { plan: plan(fresh), usage: { '/api/search': '12.5' } };
    case 'POST /v1/invoices':
      return { customerId: BASE_CUSTOMER, period: PERIOD };
    case 'POST /v1/billing-runs':
      // The current period has not ended: 422, so no background run starts mid-fuzz.
      return { period: PERIOD };
    case WEBHOOK_ROUTE:
      return stripeEvent(fresh);
  }
  return route.body ? sampleFromSchema(route.body, fresh) : undefined;
}

function sampleFromSchema(schema: Schema, fresh: string, name = '', depth = 0): unknown {
  if (schema.example !== undefined) return /(^id|Id)$/.test(name) ? fresh : schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (depth > 5) return null;
  if (schema.type === 'array')
    return [sampleFromSchema(schema.items ?? {}, fresh, name, depth + 1)];
  if (schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        sampleFromSchema(v, fresh, k, depth + 1),
      ]),
    );
  }
  if (schema.type === 'number' || schema.type === 'integer') return 1;
  if (schema.type === 'boolean') return true;
  return /(^id|Id)$/.test(name) ? fresh : 'x';
}

const EVENT_TYPES = [
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.voided',
  'customer.updated',
  'payment_intent.succeeded',
  'x.unknown',
];

/** A Stripe event naming an invoice of an ended period (signed when sent). */
export function stripeEvent(fresh: string) {
  return {
    id: `evt_${fresh}`,
    object: 'event',
    type: EVENT_TYPES[Number(fresh.replace(/\D/g, '')) % EVENT_TYPES.length],
    created: Math.floor(Date.parse(NOW) / 1000),
    livemode: false,
    api_version: '2026-02-25.clover',
    data: {
      object: {
        id: `in_${fresh}`,
        object: 'invoice',
        customer: `cus_${fresh}`,
        status: 'paid',
        amount_paid: 1000,
        currency: 'usd',
        metadata: { invoiceId: PAST_INVOICE, customerId: BASE_CUSTOMER },
      },
    },
  };
}

export const sign = (payload: string, timestamp: number, secret = WEBHOOK_SECRET) =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;

/** Percent-encodes UTF-8 (lone surrogates become U+FFFD, as any client would send them). */
const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

export const MALFORMED_PATH_SEGMENTS = [
  '%E0%A4%A',
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%2E%2E',
  '..%2F..%2Fhealth%2Flive',
  '%2F',
  'a%2Fb',
  '%23',
  '%3F',
  'a;b=c',
  '%25',
  '\xff\xfe',
  'x'.repeat(3000),
];

const freshId = fc.integer({ min: 1, max: 1_000_000 }).map((n) => `fzr${n}`);

function pathValue(param: string): fc.Arbitrary<string> {
  const valid =
    param === 'period'
      ? [PERIOD, '2026-02', '2025-12']
      : param === 'id'
        ? [BASE_CUSTOMER, 'paid', BASE_INVOICE, PAST_INVOICE, 'free']
        : [BASE_CUSTOMER];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: freshId },
    { weight: 3, arbitrary: hostileShortString.map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_PATH_SEGMENTS) },
  );
}

const cursorOf = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
const VALID_QUERY_VALUES: Record<string, string[]> = {
  limit: ['1', '20', '100'],
  cursor: [
    cursorOf({ pk: `CUSTOMER#${BASE_CUSTOMER}`, sk: 'PROFILE', gsi1pk: 'CUSTOMERS', gsi1sk: 'a' }),
    cursorOf({ pk: 'PRICING#paid', sk: 'HEAD', gsi1pk: 'PLANS', gsi1sk: 'paid' }),
    cursorOf({ pk: { S: 'x' } }),
    cursorOf({ __proto__: { pk: 'x' } }),
    cursorOf([1, 2]),
    'bm90IGpzb24',
  ],
  period: [PERIOD, '2026-02', '2026-13', '1999-12'],
  from: ['2026-03-01', '2026-03-15T00:00:00Z', '2026-02-30', '2026-03-01T99:99Z'],
  to: ['2026-04-01', '2026-03-16T00:00:00+01:00', '2026-13-45', '9999-12-31T23:59:59Z'],
  groupBy: ['day', 'endpoint', 'week', 'customer'],
  version: ['1', '2', '0', '-1', '1e308', '-0', 'NaN', '0x10', '1.5'],
  entityType: ['customer', 'invoice', 'plan', 'nope'],
  entityId: [BASE_CUSTOMER, 'a#b'],
  format: ['json', 'csv', 'xml'],
  customerId: [BASE_CUSTOMER],
};

function queryString(route: Route): fc.Arbitrary<string> {
  const documented = route.queryParams.map((p) => p.name);
  const names = [...new Set([...documented, 'limit', 'cursor', 'period', 'from', 'to'])];
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__',
        'constructor',
        'a[b]',
        '__proto__[x]',
        'x',
        '%E0%A4%A',
      ),
    },
    { weight: 1, arbitrary: hostileShortString.map(percentEncode) },
  );
  const value = (name: string) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          ...(Object.hasOwn(VALID_QUERY_VALUES, name) ? VALID_QUERY_VALUES[name] : ['1', 'x']),
        ),
      },
      { weight: 3, arbitrary: hostileShortString.map(percentEncode) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('%E0%A4%A', '%', '', '%00', '1e308', '-0', 'Infinity'),
      },
    );
  return fc
    .array(
      key.chain((k) => value(k).map((v) => `${k}=${v}`)),
      { maxLength: 6 },
    )
    .map((pairs) => pairs.join('&'));
}

export const KEYS = { admin: TEST_KEYS.admin, ingest: TEST_KEYS.ingest, read: TEST_KEYS.read };
/** Header values Node lets a client send: tab, printable ASCII and latin1 (obs-text) bytes. */
const headerUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constant('\t') },
);
const oddHeaderValue = fc.oneof(
  fc.string({ unit: headerUnit, maxLength: 60 }),
  fc.constantFrom('', ' ', '\xff\xfe', 'x'.repeat(4000), '%E0%A4%A', '__proto__', '-1', '1e308'),
);
const authorization = fc.oneof(
  { weight: 5, arbitrary: fc.constant(`Bearer ${KEYS.admin}`) },
  { weight: 2, arbitrary: fc.constant(`Bearer ${KEYS.ingest}`) },
  { weight: 2, arbitrary: fc.constant(`Bearer ${KEYS.read}`) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer',
      'Bearer ',
      `bearer ${KEYS.admin}`,
      `Bearer   ${KEYS.admin}\t`,
      `Bearer ${KEYS.admin}x`,
      `Bearer ${KEYS.admin} ${KEYS.admin}`,
      `Basic ${Buffer.from(`${KEYS.admin}:`).toString('base64')}`,
      `Bearer ${'k'.repeat(6000)}`,
      'Bearer \xff\xfe\x80',
      `Token ${KEYS.admin}`,
    ),
  },
  { weight: 1, arbitrary: oddHeaderValue },
);
const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/vnd.api+json',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zz',
      'application/octet-stream',
      '*/*',
      'application/json, text/plain',
    ),
  },
  { weight: 1, arbitrary: oddHeaderValue },
);
const extraHeaders: fc.Arbitrary<OutgoingHttpHeaders> = fc.record(
  {
    'x-request-id': fc.oneof(
      fc.constantFrom('fuzz-trace-1', 'a'.repeat(200), 'bad id'),
      oddHeaderValue,
    ),
    'cache-control': fc.constantFrom('no-cache', 'max-age=0', 'no-store, no-cache'),
    accept: fc.constantFrom('text/csv', 'application/xml', '*/*', 'application/json;q=0'),
    'accept-encoding': fc.constantFrom('gzip, br', 'identity;q=0', 'bogus'),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'bogus', 'identity'),
    'x-forwarded-for': oddHeaderValue,
    'x-http-method-override': fc.constantFrom('DELETE', 'PUT'),
    'if-none-match': fc.constantFrom('*', 'W/"x"'),
    'stripe-signature': oddHeaderValue,
    'x-odd': oddHeaderValue,
  },
  { requiredKeys: [] },
);

/** Renders a form body the way qs reads it (`a[b][c]=v`), keys and values percent-encoded. */
function renderForm(tree: JsonTree, prefix = '', out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  if (tree instanceof Entries) {
    for (const [k, v] of tree.entries)
      renderForm(v, prefix ? `${prefix}[${k}]` : k, out, depth + 1);
  } else if (Array.isArray(tree)) {
    tree.forEach((v, i) => renderForm(v, prefix ? `${prefix}[${i}]` : String(i), out, depth + 1));
  } else {
    out.push(
      `${percentEncode(prefix || 'x')}=${percentEncode(renderJson(tree).replace(/^"|"$/g, ''))}`,
    );
  }
  return out;
}

type BodyShape =
  | { kind: 'tree'; tree: JsonTree }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] };

const RAW_BODIES = [
  '',
  'null',
  '"string"',
  '1',
  'true',
  '[]',
  '[{}]',
  '{',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '\ufeff{}',
  '{}garbage',
  '{"__proto__":{"fzPolluted":"yes"}}',
  '{"constructor":{"prototype":{"fzPolluted":"yes"}}}',
];

function bodyFor(route: Route): fc.Arbitrary<BodyShape> {
  const valid = fc.constant(null).chain(() => freshId.map((id) => validBody(route, id)));
  const mutated = fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([body, edits]): BodyShape => ({ kind: 'tree', tree: mutate(toTree(body), edits) }));
  return fc.oneof(
    { weight: 8, arbitrary: mutated },
    { weight: 2, arbitrary: valid.map((b): BodyShape => ({ kind: 'tree', tree: toTree(b) })) },
    { weight: 2, arbitrary: hostileValue.map((tree): BodyShape => ({ kind: 'tree', tree })) },
    { weight: 1, arbitrary: pollutionPayload.map((tree): BodyShape => ({ kind: 'tree', tree })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...RAW_BODIES).map((text): BodyShape => ({ kind: 'text', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(50, 1000, 5000),
          fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'),
        )
        .map(([depth, kind]): BodyShape => ({ kind: 'text', text: deepNesting(depth, kind) })),
    },
    {
      weight: 1,
      // Not UTF-8: lone continuation bytes, overlongs, surrogates encoded in UTF-8.
      arbitrary: fc
        .array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 })
        .map((bytes): BodyShape => ({
          kind: 'bytes',
          bytes: [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, ...bytes, 0xed, 0xa0, 0x80, 0x22, 0x7d],
        })),
    },
  );
}

export interface FuzzCase {
  route: Route;
  params: Record<string, string>;
  query: string;
  auth?: string;
  contentType?: string;
  headers: OutgoingHttpHeaders;
  body?: BodyShape;
  /** Webhook only: how the Stripe-Signature header relates to the body. */
  signature?: 'valid' | 'stale' | 'wrong-secret' | 'garbage' | 'none' | 'many';
}

export function fuzzCase(route: Route): fc.Arbitrary<FuzzCase> {
  const params = fc.record(Object.fromEntries(route.pathParams.map((p) => [p, pathValue(p)])));
  const sendsBody = route.method !== 'GET' && route.method !== 'DELETE';
  return fc.record(
    {
      route: fc.constant(route),
      params,
      query: fc.oneof(
        { weight: 1, arbitrary: fc.constant('') },
        { weight: 2, arbitrary: queryString(route) },
      ),
      auth: authorization,
      contentType,
      headers: fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: extraHeaders },
      ),
      body: sendsBody
        ? bodyFor(route)
        : fc.oneof(
            { weight: 6, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: bodyFor(route) },
          ),
      signature: fc.constantFrom(
        'valid',
        'valid',
        'valid',
        'stale',
        'wrong-secret',
        'garbage',
        'none',
        'many',
      ),
    },
    { requiredKeys: ['route', 'params', 'query', 'headers', 'signature'] },
  );
}

export function toRequest(c: FuzzCase): RawRequest {
  const path = fillTemplate(c.route.template, c.params) + (c.query ? `?${c.query}` : '');
  const headers: OutgoingHttpHeaders = { ...c.headers };
  if (c.auth !== undefined) headers.authorization = c.auth;
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  let body: Buffer | undefined;
  if (c.body) {
    if (c.body.kind === 'bytes') body = Buffer.from(c.body.bytes);
    else if (c.body.kind === 'text') body = Buffer.from(c.body.text, 'utf8');
    else if (c.contentType === 'application/x-www-form-urlencoded') {
      body = Buffer.from(renderForm(c.body.tree).join('&'), 'utf8');
    } else body = Buffer.from(renderJson(c.body.tree), 'utf8');
  }
  if (c.route.key === WEBHOOK_ROUTE) {
    const payload = body?.toString('utf8') ?? '';
    // The service measures the signature's age on its (frozen) clock.
    const now = Math.floor(Date.parse(NOW) / 1000);
    const signatures = {
      valid: sign(payload, now),
      stale: sign(payload, now - 3600),
      'wrong-secret': sign(payload, now, 'whsec_wrong'),
      garbage: String(headers['stripe-signature'] ?? 't=abc,v1=zz'),
      none: undefined,
      many: `${sign(payload, now, 'whsec_a')},v1=${'0'.repeat(64)},${sign(payload, now).split(',')[1]}`,
    };
    const signature = signatures[c.signature ?? 'valid'];
    if (signature === undefined) delete headers['stripe-signature'];
    else headers['stripe-signature'] = signature;
  }
  return { method: c.route.method, path, headers, body };
}
