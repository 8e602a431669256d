import { startTestApp, type TestApp } from './support/test-app';

describe('Customers (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const customer = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    email: `${id}@example.test`,
    name: `Customer ${id}`,
    planId: 'paid',
    ...extra,
  });

  it('creates a customer and refuses to overwrite it', async () => {
    const created = await t.http.post('/v1/customers').set(t.auth()).send(customer('acme'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'acme',
      planId: 'paid',
      currency: 'USD',
      status: 'active',
      billingStatus: 'active',
      metadata: {},
    });

    const again = await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send(customer('acme', { name: 'Impostor' }));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'CUSTOMER_EXISTS' });
    expect(again.body.requestId).toEqual(expect.any(String));

    const fetched = await t.http.get('/v1/customers/acme').set(t.auth('read'));
    expect(fetched.body.name).toBe('Customer acme');
  });

  it('lists every invalid field, including unknown ones', async () => {
    const res = await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ ...customer('bad'), email: 'not-an-email', role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
    const fields = res.body.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['email', 'role']);
  });

  it('rejects an unknown plan with 422 and a currency that does not match the plan', async () => {
    const unknown = await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send(customer('c-unknown', { planId: 'platinum' }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe('UNKNOWN_PLAN');

    const mismatch = await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send(customer('c-eur', { currency: 'EUR' }));
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error).toBe('CURRENCY_MISMATCH');
  });

  it('shows a PATCH on the very next GET even though GETs are cached', async () => {
    await t.http.post('/v1/customers').set(t.auth()).send(customer('patchme'));
    const first = await t.http.get('/v1/customers/patchme').set(t.auth('read'));
    expect(first.body.name).toBe('Customer patchme');
    await t.http.get('/v1/customers/patchme').set(t.auth('read')); // now served from the cache

    const patched = await t.http
      .patch('/v1/customers/patchme')
      .set(t.auth())
      .send({ name: 'Renamed', planId: 'enterprise', metadata: { crm: 'A-1' } });
    expect(patched.status).toBe(200);

    const after = await t.http.get('/v1/customers/patchme').set(t.auth('read'));
    expect(after.body).toMatchObject({
      email: 'patchme@example.test',
      name: 'Renamed',
      planId: 'enterprise',
      metadata: { crm: 'A-1' },
    });
  });

  it('rejects an unknown plan on PATCH with 422 and an empty PATCH with 400', async () => {
    await t.http.post('/v1/customers').set(t.auth()).send(customer('patch2'));
    const unknown = await t.http
      .patch('/v1/customers/patch2')
      .set(t.auth())
      .send({ planId: 'nope' });
    expect(unknown.status).toBe(422);
    const empty = await t.http.patch('/v1/customers/patch2').set(t.auth()).send({});
    expect(empty.status).toBe(400);
    const missing = await t.http.patch('/v1/customers/ghost').set(t.auth()).send({ name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('CUSTOMER_NOT_FOUND');
  });

  it('takes a credit policy on PATCH (default allow) and refuses a bad one', async () => {
    const created = await t.http.post('/v1/customers').set(t.auth()).send(customer('policy1'));
    expect(created.body.creditPolicy).toEqual({ overdraft: 'allow' });
    const blocked = await t.http
      .patch('/v1/customers/policy1')
      .set(t.auth())
      .send({ creditPolicy: { overdraft: 'block' } })
      .expect(200);
    expect(blocked.body.creditPolicy).toEqual({ overdraft: 'block' });
    const fetched = await t.http.get('/v1/customers/policy1').set(t.auth('read')).expect(200);
    expect(fetched.body.creditPolicy).toEqual({ overdraft: 'block' });
    const bad = await t.http
      .patch('/v1/customers/policy1')
      .set(t.auth())
      .send({ creditPolicy: { overdraft: 'sometimes', extra: 1 } })
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/overdraft must be allow or block/);
    expect(JSON.stringify(bad.body)).toMatch(/extra/);
  });

  it('archives a customer idempotently and refuses later changes', async () => {
    await t.http.post('/v1/customers').set(t.auth()).send(customer('leaving'));
    expect((await t.http.delete('/v1/customers/leaving').set(t.auth())).status).toBe(204);
    expect((await t.http.delete('/v1/customers/leaving').set(t.auth())).status).toBe(204);
    const fetched = await t.http.get('/v1/customers/leaving').set(t.auth('read'));
    expect(fetched.body.status).toBe('archived');
    expect(fetched.body.archivedAt).toEqual(expect.any(String));
    const patch = await t.http.patch('/v1/customers/leaving').set(t.auth()).send({ name: 'x' });
    expect(patch.status).toBe(409);
    expect((await t.http.delete('/v1/customers/ghost').set(t.auth())).status).toBe(404);
  });

  it('pages through 250 customers, returning each exactly once', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `page-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids
          .slice(i, i + 25)
          .map((id) => t.http.post('/v1/customers').set(t.auth()).send(customer(id)).expect(201)),
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } =
        await t.http
          .get('/v1/customers')
          .query({ limit: 40, ...(cursor ? { cursor } : {}) })
          .set(t.auth('read'));
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const pageIds = seen.filter((id) => id.startsWith('page-'));
    expect(pageIds).toHaveLength(250);
    expect(new Set(pageIds).size).toBe(250);
    expect(pageIds).toEqual([...ids].sort());
  });

  it('rejects a forged cursor and an out-of-range limit', async () => {
    const forged = Buffer.from(JSON.stringify({ gsi1pk: 'PLANS', gsi1sk: 'x' })).toString(
      'base64url',
    );
    const res = await t.http.get('/v1/customers').query({ cursor: forged }).set(t.auth('read'));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_CURSOR');
    const limit = await t.http.get('/v1/customers').query({ limit: 1000 }).set(t.auth('read'));
    expect(limit.status).toBe(400);
    expect(limit.body.details.fields[0].field).toBe('limit');
  });
});
