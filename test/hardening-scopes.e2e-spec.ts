import { routesFromOpenApi } from './support/openapi-routes';
import { startTestApp, TEST_KEYS, type TestApp } from './support/test-app';
import { signLink } from '../src/documents/document-links';
import { DEVELOPMENT_DOCUMENT_LINK_SECRET } from '../src/documents/documents.config';

/*
 * Every route × every scope against an explicit table (DESIGN §4): admin may do everything;
 * ingest only posts usage; read may GET and quote; health, docs, metrics and the Stripe webhook
 * take no key; webhook events and the audit trail need admin. A route in /docs-json that the
 * table does not classify fails the test, so a new route cannot ship without a decision.
 */

/** The least scope a route needs; `public` needs no key at all. */
type Access = 'public' | 'read' | 'ingest' | 'admin';
type Scope = 'none' | keyof typeof TEST_KEYS;

const EXPECTED: Record<string, Access> = {
  // Operations: no key.
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /docs': 'public',
  'GET /docs-json': 'public',
  'GET /metrics': 'public',
  // Authenticated by its Stripe-Signature instead of a key.
  'POST /v1/webhooks/stripe': 'public',
  'GET /v1/webhooks/stripe/events': 'admin',
  'GET /v1/webhooks/stripe/events/{id}': 'admin',
  'POST /v1/webhooks/stripe/events/{id}/replay': 'admin',
  'GET /v1/audit': 'admin',

  'GET /v1/plans': 'read',
  'GET /v1/plans/{id}': 'read',
  'GET /v1/plans/{id}/versions': 'read',
  'POST /v1/plans': 'admin',
  'PUT /v1/plans/{id}': 'admin',

  'GET /v1/customers': 'read',
  'GET /v1/customers/{id}': 'read',
  'POST /v1/customers': 'admin',
  'PATCH /v1/customers/{id}': 'admin',
  'DELETE /v1/customers/{id}': 'admin',

  'POST /v1/usage': 'ingest',
  'POST /v1/usage/batch': 'ingest',
  'GET /v1/customers/{id}/usage': 'read',
  'GET /v1/customers/{id}/usage/{eventId}': 'read',
  'POST /v1/customers/{id}/usage/{eventId}/void': 'admin',
  'POST /v1/customers/{id}/usage/{eventId}/amend': 'admin',

  'POST /v1/pricing/quote': 'read',
  'GET /v1/customers/{id}/charges': 'read',
  'GET /v1/customers/{id}/charges/explain': 'read',

  'GET /v1/invoices/{id}': 'read',
  'GET /v1/customers/{id}/invoices': 'read',
  'POST /v1/invoices': 'admin',
  'POST /v1/invoices/{id}/refresh': 'admin',
  'POST /v1/invoices/{id}/finalize': 'admin',
  'POST /v1/invoices/{id}/void': 'admin',
  'POST /v1/invoices/{id}/payments': 'admin',
  'POST /v1/invoices/{id}/mark-uncollectible': 'admin',
  'GET /v1/invoices/{id}/explain': 'read',

  'GET /v1/billing-runs/{period}': 'read',
  'POST /v1/billing-runs': 'admin',

  'GET /v1/reports/usage': 'read',
  'GET /v1/reports/billing': 'read',

  'POST /v1/customers/{id}/credit-grants': 'admin',
  'GET /v1/customers/{id}/credit-grants': 'read',
  'GET /v1/customers/{id}/credit-grants/{grantId}': 'read',
  'POST /v1/customers/{id}/credit-grants/{grantId}/void': 'admin',
  'GET /v1/customers/{id}/credit-balance': 'read',
  'GET /v1/customers/{id}/credit-ledger': 'read',

  'POST /v1/customers/{id}/alerts': 'admin',
  'GET /v1/customers/{id}/alerts': 'read',
  'GET /v1/customers/{id}/alerts/{alertId}': 'read',
  'DELETE /v1/customers/{id}/alerts/{alertId}': 'admin',
  'PUT /v1/customers/{id}/billing-thresholds': 'admin',
  'GET /v1/customers/{id}/billing-thresholds': 'admin',
  'DELETE /v1/customers/{id}/billing-thresholds': 'admin',

  'POST /v1/invoices/{id}/credit-notes': 'admin',
  'POST /v1/invoices/{id}/credit-notes/preview': 'admin',
  'GET /v1/invoices/{id}/credit-notes': 'read',
  'GET /v1/customers/{id}/credit-notes': 'read',
  'GET /v1/credit-notes/{id}': 'read',
  'POST /v1/credit-notes/{id}/void': 'admin',

  'GET /v1/invoices/{id}/document': 'read',
  'GET /v1/credit-notes/{id}/document': 'read',
  'POST /v1/invoices/{id}/share-link': 'admin',
  // Authenticated by the signed token in its path instead of a key.
  'GET /v1/public/invoices/{token}': 'public',
};

/** Routes that are deliberately not in the OpenAPI document: none (docs and metrics are too). */
const UNDOCUMENTED = new Set<string>();

const SCOPES: Scope[] = ['none', 'read', 'ingest', 'admin'];

function allows(access: Access, scope: Scope): boolean {
  if (access === 'public' || scope === 'admin') return true;
  return scope === access;
}

/** Concrete values for the templates' parameters: records that exist, so lookups get far. */
function concretePath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'period') return '2026-01';
    // A correctly signed share link (to an invoice that does not exist: 404 past the guard).
    if (name === 'token') {
      return signLink(
        { invoiceId: 'inv_scope-acme_2026-01', exp: 4_102_444_800 },
        DEVELOPMENT_DOCUMENT_LINK_SECRET,
      );
    }
    if (template.startsWith('/v1/invoices')) return 'inv_scope-acme_2026-01';
    if (template.startsWith('/v1/plans')) return 'paid';
    if (template.startsWith('/v1/webhooks')) return 'evt_scope_1';
    return 'scope-acme';
  });
}

describe('Hardening: scope matrix (e2e)', () => {
  let t: TestApp;
  let documented: string[];

  beforeAll(async () => {
    t = await startTestApp({
      env: { STRIPE_WEBHOOK_SECRET: 'whsec_scopes_0123456789abcdef' },
    });
    documented = (await routesFromOpenApi(t.http)).map((r) => r.key);
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'scope-acme', email: 'acme@example.test', name: 'Acme', planId: 'paid' })
      .expect(201);
  });
  afterAll(() => t.close());

  it('classifies every documented route', () => {
    const unclassified = documented.filter((key) => !(key in EXPECTED));
    expect(unclassified).toEqual([]);
    // And the table names no route that has gone (typos included).
    const stale = Object.keys(EXPECTED).filter(
      (key) => !documented.includes(key) && !UNDOCUMENTED.has(key),
    );
    expect(stale).toEqual([]);
  });

  it('lets each scope through exactly where the table says', async () => {
    const mismatches: string[] = [];
    for (const [key, access] of Object.entries(EXPECTED)) {
      const [method, template] = key.split(' ');
      const path = concretePath(template);
      for (const scope of SCOPES) {
        let req = t.http[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
        if (scope !== 'none') req = req.set('Authorization', `Bearer ${TEST_KEYS[scope]}`);
        // A JSON object: the body parser must not answer before the guard does.
        if (method !== 'GET' && method !== 'DELETE') req = req.send({});
        const res = await req;
        const allowed = allows(access, scope);
        if (res.status === 404 && /^Cannot /.test(String(res.body?.message))) {
          mismatches.push(`${key}: no such route (${scope})`);
        } else if (allowed && (res.status === 401 || res.status === 403)) {
          mismatches.push(`${key}: ${scope} should pass, got ${res.status} ${res.body?.error}`);
        } else if (!allowed) {
          const expected = scope === 'none' ? 401 : 403;
          const code = scope === 'none' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
          if (res.status !== expected || res.body?.error !== code) {
            mismatches.push(`${key}: ${scope} should get ${expected}, got ${res.status}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses a key that is not configured, on every route that needs one', async () => {
    const accepted: string[] = [];
    for (const [key, access] of Object.entries(EXPECTED)) {
      if (access === 'public') continue;
      const [method, template] = key.split(' ');
      let req = t.http[method.toLowerCase() as 'get'](concretePath(template)).set(
        'Authorization',
        `Bearer ${TEST_KEYS.admin}x`,
      );
      if (method !== 'GET' && method !== 'DELETE') req = req.send({});
      const res = await req;
      if (res.status !== 401) accepted.push(`${key}: ${res.status}`);
    }
    expect(accepted).toEqual([]);
  });
});
