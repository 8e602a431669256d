import { EventsOptions } from '../src/events/events.options';
import { startFakeEventBridge, type FakeEventBridge } from './fakes/fake-eventbridge';
import { startTestApp, type TestApp } from './support/test-app';

describe('Audit trail (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const auditOf = (entityType: string, entityId: string, scope: 'admin' | 'read' = 'admin') =>
    t.http.get('/v1/audit').query({ entityType, entityId }).set(t.auth(scope));

  it('records who changed a customer, how, and in which request, newest first', async () => {
    const created = await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'audited', email: 'jane.doe@example.com', name: 'Jane', planId: 'paid' });
    const patched = await t.http
      .patch('/v1/customers/audited')
      .set(t.auth())
      .set('x-request-id', 'req-patch-1')
      .send({ name: 'Jane D.', planId: 'enterprise' });
    expect(patched.status).toBe(200);
    await t.http.delete('/v1/customers/audited').set(t.auth()).expect(204);

    const res = await auditOf('customer', 'audited');
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { operation: string }) => r.operation)).toEqual([
      'customer.archive',
      'customer.plan_change',
      'customer.create',
    ]);
    const [archive, change, create] = res.body.data;
    expect(create.actor).toEqual({ type: 'api_key', name: 'ops' });
    expect(create.requestId).toBe(created.headers['x-request-id']);
    expect(change.requestId).toBe('req-patch-1');
    expect(change.before).toMatchObject({ name: 'Jane', planId: 'paid' });
    expect(change.after).toMatchObject({ name: 'Jane D.', planId: 'enterprise' });
    expect(archive.after.status).toBe('archived');
    // personal data is masked, never stored in clear
    expect(create.after.email).toBe('j***@example.com');
    expect(JSON.stringify(res.body)).not.toContain('jane.doe@example.com');
  });

  it('redacts secrets in metadata and free text', async () => {
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({
        id: 'secretive',
        email: 's@example.test',
        name: 'S',
        planId: 'paid',
        metadata: {
          apiKey: 'k_live_value',
          note: 'card 4242 4242 4242 4242, key sk_live_abcdef123456, Bearer tok.en',
        },
      })
      .expect(201);
    const res = await auditOf('customer', 'secretive');
    const after = res.body.data[0].after;
    expect(after.metadata.apiKey).toBe('[REDACTED]');
    expect(after.metadata.note).toBe('card [REDACTED], key [REDACTED], Bearer [REDACTED]');
  });

  it('records plan versions and invoice changes', async () => {
    const plan = {
      id: 'audit-plan',
      name: 'A',
      currency: 'USD',
      baseFee: '10.00',
      minimumCharge: '0',
      charges: [],
    };
    await t.http.post('/v1/plans').set(t.auth()).send(plan).expect(201);
    await t.http
      .put('/v1/plans/audit-plan')
      .set(t.auth())
      .send({ ...plan, baseFee: '12.00' })
      .expect(200);
    const plans = await auditOf('plan', 'audit-plan');
    expect(plans.body.data.map((r: { operation: string }) => r.operation)).toEqual([
      'plan.version',
      'plan.create',
    ]);
    expect(plans.body.data[0].before.document.baseFee).toBe('10.00');
    expect(plans.body.data[0].after.document.baseFee).toBe('12.00');

    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id: 'billed', email: 'b@example.test', name: 'B', planId: 'audit-plan' })
      .expect(201);
    const period = new Date().toISOString().slice(0, 7);
    const invoice = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'billed', period });
    await t.http.post(`/v1/invoices/${invoice.body.id}/void`).set(t.auth()).expect(200);
    const records = await auditOf('invoice', invoice.body.id);
    expect(records.body.data.map((r: { operation: string }) => r.operation)).toEqual([
      'invoice.void',
      'invoice.create',
    ]);
    expect(records.body.data[0]).toMatchObject({
      before: { status: 'draft' },
      after: { status: 'void' },
    });
  });

  it('lists everything newest first with a cursor, for admin keys only', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let previous = '9999';
    for (let page = 0; page < 20; page++) {
      const res = await t.http
        .get('/v1/audit')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(t.auth());
      expect(res.status).toBe(200);
      for (const r of res.body.data as { id: string; at: string }[]) {
        expect(r.at <= previous).toBe(true);
        previous = r.at;
        seen.push(r.id);
      }
      cursor = res.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(9);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await auditOf('customer', 'audited', 'read')).status).toBe(403);
    const filtered = await t.http.get('/v1/audit').query({ entityType: 'plan' }).set(t.auth());
    expect(filtered.body.data.every((r: { entityType: string }) => r.entityType === 'plan')).toBe(
      true,
    );
    const bad = await t.http.get('/v1/audit').query({ entityId: 'x' }).set(t.auth());
    expect(bad.status).toBe(400);
  });

  it('records nothing when auditing is turned off', async () => {
    const off = await startTestApp({ env: { BILLING_ENABLE_AUDIT: 'false' } });
    try {
      await off.http
        .post('/v1/customers')
        .set(off.auth())
        .send({ id: 'quiet', email: 'q@example.test', name: 'Q', planId: 'paid' })
        .expect(201);
      const res = await off.http
        .get('/v1/audit')
        .query({ entityType: 'customer', entityId: 'quiet' })
        .set(off.auth());
      expect(res.body.data).toEqual([]);
    } finally {
      await off.close();
    }
  });
});

describe('Billing events through EventBridge (e2e)', () => {
  let t: TestApp;
  let bridge: FakeEventBridge;

  beforeAll(async () => {
    bridge = await startFakeEventBridge();
    t = await startTestApp({
      env: { EVENTBRIDGE_BUS: 'billing-bus', EVENTBRIDGE_ENDPOINT: bridge.url },
      overrides: [
        [
          EventsOptions,
          new EventsOptions({
            pollIntervalMs: 50,
            retryInitialMs: 20,
            retryMaxMs: 200,
            breakerHalfOpenAfterMs: 200,
          }),
        ],
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await bridge.close();
  });

  it('delivers every event of changes made while EventBridge was down, once it is back', async () => {
    bridge.down();
    for (let i = 0; i < 20; i++) {
      await t.http
        .post('/v1/customers')
        .set(t.auth())
        .send({ id: `ev-${i}`, email: `ev${i}@example.test`, name: `E${i}`, planId: 'paid' })
        .expect(201);
    }
    const batch = await t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: Array.from({ length: 100 }, (_, i) => ({
          customerId: `ev-${i % 20}`,
          endpoint: '/api/x',
          eventId: `ev-usage-${i}`,
        })),
      });
    expect(batch.body.accepted).toBe(100);
    await new Promise((r) => setTimeout(r, 500));
    expect(bridge.entries).toHaveLength(0);

    bridge.up();
    const entries = await bridge.waitForEntries(120, 20_000);
    const created = entries.filter((e) => e.detailType === 'billing.customer.created');
    const usage = entries.filter((e) => e.detailType === 'billing.usage.tracked');
    expect(new Set(created.map((e) => (e.detail as { customerId: string }).customerId)).size).toBe(
      20,
    );
    expect(
      new Set(usage.map((e) => (e.detail as { usageEventId: string }).usageEventId)).size,
    ).toBe(100);
    const sample = usage[0];
    expect(sample).toMatchObject({ source: 'augint.billing', eventBusName: 'billing-bus' });
    expect(sample.detail).toMatchObject({
      type: 'billing.usage.tracked',
      eventId: expect.any(String),
    });
  });
});
