import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 13, "consistent contract": dates that do not exist, from/to formats, route ids, quantity
 * forms and text that is not valid Unicode, answered the same way on every route.
 */

const NOW = '2026-12-02T12:00:00Z';

const plan = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Plan ${id}`,
  currency: 'USD',
  baseFee: '1.00',
  minimumCharge: '0',
  charges: [{ id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '0' }],
  ...extra,
});

interface ErrorBody {
  error: string;
  details?: { fields?: { field: string; messages: string[] }[] };
}
const fieldsOf = (body: ErrorBody) => (body.details?.fields ?? []).map((f) => f.field);

describe('Request contract (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock(NOW);

  const createCustomer = (id: string, planId = 'paid') =>
    t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
  const track = (body: object) => t.http.post('/v1/usage').set(t.auth('ingest')).send(body);
  /** A JSON text sent as is: JSON escapes such as \ud800 reach the server as lone surrogates. */
  const sendRaw = (method: 'post' | 'patch' | 'put', path: string, json: string) =>
    t.http[method](path).set(t.auth()).set('Content-Type', 'application/json').send(json);

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    await createCustomer('cal');
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(NOW));

  describe('dates that do not exist are refused, never moved to another day', () => {
    it.each([
      ['2026-11-31T12:00:00Z'],
      ['2026-11-31T23:00:00-05:00'],
      ['2026-11-30T24:00:00Z'],
      ['2026-11-30T12:60:00Z'],
      ['2026-11-30T12:00:60Z'],
      ['2026-11-30T12:00:00+24:00'],
    ])('POST /v1/usage timestamp %s → 400 naming timestamp', async (timestamp) => {
      const res = await track({ customerId: 'cal', endpoint: '/api/x', timestamp });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_USAGE');
      expect(fieldsOf(res.body)).toEqual(['timestamp']);
    });

    it('refuses 29 February of a common year (and takes it in a leap year)', async () => {
      clock.set('2027-03-02T12:00:00Z');
      const common = await track({
        customerId: 'cal',
        endpoint: '/api/x',
        timestamp: '2027-02-29T10:00:00Z',
      });
      expect(common.status).toBe(400);
      expect(fieldsOf(common.body)).toEqual(['timestamp']);
      clock.set('2028-03-02T12:00:00Z');
      await createCustomer('leap');
      const leap = await track({
        customerId: 'leap',
        endpoint: '/api/x',
        timestamp: '2028-02-29T10:00:00Z',
      });
      expect(leap.status).toBe(201);
    });

    it('refuses an impossible timestamp inside a batch, event by event, and bills nothing in December', async () => {
      await createCustomer('cal-batch');
      const res = await t.http
        .post('/v1/usage/batch')
        .set(t.auth('ingest'))
        .send({
          events: [
            {
              customerId: 'cal-batch',
              endpoint: '/a',
              eventId: 'ok',
              timestamp: '2026-11-30T12:00:00Z',
            },
            {
              customerId: 'cal-batch',
              endpoint: '/a',
              eventId: 'nov31',
              timestamp: '2026-11-31T12:00:00Z',
            },
            {
              customerId: 'cal-batch',
              endpoint: '/a',
              eventId: 'nov31-est',
              timestamp: '2026-11-31T23:00:00-05:00',
            },
          ],
        })
        .expect(200);
      expect(res.body).toMatchObject({ accepted: 1, rejected: 2 });
      expect(res.body.results[1].error).toMatchObject({
        code: 'INVALID_USAGE',
        field: 'timestamp',
      });
      expect(res.body.results[2].error).toMatchObject({
        code: 'INVALID_USAGE',
        field: 'timestamp',
      });
      const december = await t.http
        .get('/v1/customers/cal-batch/usage')
        .query({ from: '2026-12-01', to: '2027-01-01' })
        .set(t.auth('read'))
        .expect(200);
      expect(december.body).toMatchObject({ total: '0', events: 0 });
    });

    it.each([
      ['/v1/customers/cal/usage', 'from', '2026-11-31'],
      ['/v1/customers/cal/usage', 'to', '2026-02-29T00:00:00Z'],
      ['/v1/reports/usage', 'from', '2026-11-31'],
      ['/v1/reports/usage', 'to', '2026-11-31T00:00:00Z'],
      ['/v1/audit', 'from', '2026-11-31'],
      ['/v1/audit', 'to', '2026-04-31T10:00:00Z'],
      ['/v1/audit', 'from', '2026-11-30T24:00:00Z'],
    ])('GET %s?%s=%s → 400 VALIDATION_FAILED naming the field', async (path, field, value) => {
      const res = await t.http
        .get(path)
        .query({ [field]: value })
        .set(t.auth());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual([field]);
    });

    it('PUT /v1/plans/:id refuses an effectiveFrom that does not exist', async () => {
      await t.http.post('/v1/plans').set(t.auth()).send(plan('cal-plan')).expect(201);
      for (const effectiveFrom of [
        '2026-12-31T24:00:00Z',
        '2027-02-29T00:00:00Z',
        '2027-04-31T00:00:00+02:00',
      ]) {
        const res = await t.http
          .put('/v1/plans/cal-plan')
          .set(t.auth())
          .send({ ...plan('cal-plan'), effectiveFrom });
        expect({ effectiveFrom, status: res.status, fields: fieldsOf(res.body) }).toEqual({
          effectiveFrom,
          status: 400,
          fields: ['effectiveFrom'],
        });
      }
    });

    it.each([
      ['post', '/v1/invoices', { customerId: 'cal', period: '2026-13' }],
      ['post', '/v1/billing-runs', { period: '2026-00' }],
      ['get', '/v1/customers/cal/charges?period=2026-13', undefined],
      ['get', '/v1/reports/billing?period=2026-1', undefined],
    ] as const)(
      '%s %s with an impossible period → 400 naming period',
      async (method, path, body) => {
        const res = await t.http[method](path).set(t.auth()).send(body);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.body)).toEqual(['period']);
      },
    );
  });

  describe('from/to take YYYY-MM-DD (midnight UTC) or an instant with a zone on every route', () => {
    beforeAll(async () => {
      clock.set('2026-11-10T09:00:00Z');
      await createCustomer('ft');
      await track({
        customerId: 'ft',
        endpoint: '/a',
        quantity: 3,
        timestamp: '2026-11-10T08:00:00Z',
      }).expect(201);
      clock.set('2026-12-01T10:00:00Z');
      await createCustomer('ft-dec'); // an audit record on 1 December, after the ranges below
      await track({
        customerId: 'ft',
        endpoint: '/a',
        quantity: 5,
        timestamp: '2026-12-01T09:00:00Z',
      }).expect(201);
      clock.set(NOW);
    });

    const FORMS = [
      { from: '2026-11-01', to: '2026-12-01' },
      { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00Z' },
      { from: '2026-11-01T01:00:00+01:00', to: '2026-11-30T19:00:00-05:00' },
    ];

    it('GET /v1/customers/:id/usage', async () => {
      for (const query of FORMS) {
        const res = await t.http.get('/v1/customers/ft/usage').query(query).set(t.auth('read'));
        expect({ query, status: res.status, body: res.body }).toMatchObject({
          query,
          status: 200,
          body: {
            from: '2026-11-01T00:00:00.000Z',
            to: '2026-12-01T00:00:00.000Z',
            total: '3',
            events: 1,
          },
        });
      }
    });

    it('GET /v1/reports/usage (whole UTC days: an instant must be a UTC midnight)', async () => {
      for (const query of FORMS) {
        const res = await t.http
          .get('/v1/reports/usage')
          .query({ ...query, customerId: 'ft' })
          .set(t.auth('read'));
        expect({ query, status: res.status, body: res.body }).toMatchObject({
          query,
          status: 200,
          body: { from: '2026-11-01', to: '2026-12-01', total: { quantity: '3', events: 1 } },
        });
      }
      const csv = await t.http
        .get('/v1/reports/usage')
        .query({ ...FORMS[1], customerId: 'ft', format: 'csv' })
        .set(t.auth('read'));
      expect(csv.status).toBe(200);
      const midday = await t.http
        .get('/v1/reports/usage')
        .query({ from: '2026-11-01T12:00:00Z', to: '2026-12-01' })
        .set(t.auth('read'));
      expect(midday.status).toBe(400);
      expect(fieldsOf(midday.body)).toEqual(['from']);
    });

    it('GET /v1/audit (to is exclusive, as everywhere)', async () => {
      const ids = async (query: Record<string, string>) => {
        const res = await t.http
          .get('/v1/audit')
          .query({ ...query, entityType: 'customer', entityId: 'ft-dec' })
          .set(t.auth());
        expect({ query, status: res.status }).toEqual({ query, status: 200 });
        return (res.body.data as { entityId: string }[]).map((r) => r.entityId);
      };
      for (const query of FORMS)
        expect({ query, ids: await ids(query) }).toEqual({ query, ids: [] });
      expect(await ids({ from: '2026-12-01', to: '2026-12-02' })).toEqual(['ft-dec']);
      expect(await ids({ from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:00:00.001Z' })).toEqual([
        'ft-dec',
      ]);
    });
  });

  describe('route ids: well-formed but unknown → 404 with the resource code; impossible → 400', () => {
    /** `METHOD template → not-found code`; bodies where the route needs one to get that far. */
    const ROUTES: [string, string][] = [
      ['GET /v1/customers/:id', 'CUSTOMER_NOT_FOUND'],
      ['PATCH /v1/customers/:id', 'CUSTOMER_NOT_FOUND'],
      ['DELETE /v1/customers/:id', 'CUSTOMER_NOT_FOUND'],
      ['GET /v1/customers/:id/usage', 'CUSTOMER_NOT_FOUND'],
      ['GET /v1/customers/:id/charges', 'CUSTOMER_NOT_FOUND'],
      ['GET /v1/customers/:id/invoices', 'CUSTOMER_NOT_FOUND'],
      ['GET /v1/plans/:id', 'PLAN_NOT_FOUND'],
      ['GET /v1/plans/:id/versions', 'PLAN_NOT_FOUND'],
      ['PUT /v1/plans/:id', 'PLAN_NOT_FOUND'],
      ['GET /v1/invoices/:id', 'INVOICE_NOT_FOUND'],
      ['POST /v1/invoices/:id/refresh', 'INVOICE_NOT_FOUND'],
      ['POST /v1/invoices/:id/finalize', 'INVOICE_NOT_FOUND'],
      ['POST /v1/invoices/:id/void', 'INVOICE_NOT_FOUND'],
      ['GET /v1/webhooks/stripe/events/:id', 'WEBHOOK_EVENT_NOT_FOUND'],
      ['POST /v1/webhooks/stripe/events/:id/replay', 'WEBHOOK_EVENT_NOT_FOUND'],
    ];
    const BODIES: Record<string, object> = {
      'PATCH /v1/customers/:id': { name: 'n' },
      'PUT /v1/plans/:id': { ...plan('x'), id: undefined }, // the id comes from the path
    };
    const call = (route: string, id: string) => {
      const [method, template] = route.split(' ');
      const req = t.http[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
        template.replace(':id', id),
      ).set(t.auth());
      return BODIES[route] ? req.send(BODIES[route]) : req;
    };
    const UNKNOWN = ['inv-missing-x', 'evt-missing.1', 'cus_missing', 'x', 'A.b-c_9'];
    const IMPOSSIBLE = [
      'x'.repeat(300),
      'a%00b',
      'a%0Ab',
      'a%20b',
      'a%23b',
      'a%2Fb',
      'caf%C3%A9',
      '%7F',
    ];

    it.each(ROUTES)('%s → 404 %s', async (route, code) => {
      for (const id of UNKNOWN) {
        const res = await call(route, id);
        expect({ id, status: res.status, error: res.body.error }).toEqual({
          id,
          status: 404,
          error: code,
        });
      }
      for (const id of IMPOSSIBLE) {
        const res = await call(route, id);
        expect({ id, status: res.status, fields: fieldsOf(res.body) }).toEqual({
          id,
          status: 400,
          fields: ['id'],
        });
      }
    });

    it('GET /v1/billing-runs/:period is a period: a month without a run is 404, anything else 400', async () => {
      const none = await t.http.get('/v1/billing-runs/2026-02').set(t.auth('read'));
      expect(none.status).toBe(404);
      expect(none.body.error).toBe('BILLING_RUN_NOT_FOUND');
      for (const period of ['2026-13', 'inv-missing-x', '2026-02-01', 'x'.repeat(300)]) {
        const res = await t.http.get(`/v1/billing-runs/${period}`).set(t.auth('read'));
        expect({ period, status: res.status, fields: fieldsOf(res.body) }).toEqual({
          period,
          status: 400,
          fields: ['period'],
        });
      }
    });
  });

  describe('quantity: one rule for JSON numbers and strings', () => {
    it.each([
      ['"-0"', '"-0"'],
      ['null', null],
      ['"1e3"', '"1e3"'],
      ['1e-7 (shortest form 1e-7)', 1e-7],
      ['1e21 (shortest form 1e+21)', 1e21],
      ['true', true],
      ['" 1"', ' 1'],
      ['"+1"', '+1'],
      ['"1."', '1.'],
      ['".5"', '.5'],
      ['"0.1234567"', '0.1234567'],
    ])('refuses %s with 400 naming quantity', async (_name, quantity) => {
      const res = await track({ customerId: 'cal', endpoint: '/api/q', quantity });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_USAGE');
      expect(fieldsOf(res.body)).toEqual(['quantity']);
    });

    it('refuses the JSON numbers -0 and -0.0 (sent as raw text: JSON.stringify writes 0), and null', async () => {
      for (const literal of ['-0', '-0.0', 'null']) {
        const res = await t.http
          .post('/v1/usage')
          .set(t.auth('ingest'))
          .set('Content-Type', 'application/json')
          .send(`{"customerId":"cal","endpoint":"/api/q","quantity":${literal}}`);
        expect({ literal, status: res.status }).toEqual({ literal, status: 400 });
      }
    });

    it('accepts plain decimals as numbers or strings, and absent means 1', async () => {
      await createCustomer('qty');
      const cases: [unknown, string][] = [
        [2.5, '2.5'],
        ['2.5', '2.5'],
        [0, '0'],
        ['0.000001', '0.000001'],
        [1000, '1000'],
        ['007.50', '7.5'],
        [undefined, '1'],
      ];
      let expected = 0;
      for (const [quantity, stored] of cases) {
        const res = await track({ customerId: 'qty', endpoint: `/api/q${expected}`, quantity });
        expect({ quantity, status: res.status }).toEqual({ quantity, status: 201 });
        const usage = await t.http
          .get('/v1/customers/qty/usage')
          .query({ groupBy: 'endpoint', from: '2026-12-01' })
          .set(t.auth('read'))
          .set('Cache-Control', 'no-cache');
        const group = (usage.body.groups as { key: string; quantity: string }[]).find(
          (g) => g.key === `/api/q${expected}`,
        );
        expect({ quantity, stored: group?.quantity }).toEqual({ quantity, stored });
        expected++;
      }
    });

    it('applies the same rule to quote quantities', async () => {
      // Raw JSON text: JSON.stringify(-0) would send 0.
      for (const quantity of ['-0', '-0.0', 'null', '"1e3"', '"-0"', '1e-7']) {
        const res = await t.http
          .post('/v1/pricing/quote')
          .set(t.auth('read'))
          .set('Content-Type', 'application/json')
          .send(`{"planId":"paid","usage":{"/api/a":${quantity}}}`);
        expect({ quantity, status: res.status }).toEqual({ quantity, status: 400 });
      }
      const ok = await t.http
        .post('/v1/pricing/quote')
        .set(t.auth('read'))
        .send({ planId: 'paid', usage: { '/api/a': 1500, '/api/b': '2.5' } });
      expect(ok.status).toBe(200);
    });
  });

  describe('text must be valid Unicode: lone UTF-16 surrogates are refused in every field', () => {
    const customer = (fields: string) =>
      `{"id":"sur-${Math.random().toString(36).slice(2, 8)}","email":"s@example.test","planId":"paid",${fields}}`;

    it.each([
      ['a name', customer('"name":"Bad \\ud800 name"'), 'name'],
      ['a trailing low half', customer('"name":"x\\udc00"'), 'name'],
      [
        'an e-mail',
        customer('"name":"n","email":"s\\ud800@example.test"').replace(
          '"email":"s@example.test",',
          '',
        ),
        'email',
      ],
      ['a metadata value', customer('"name":"n","metadata":{"k":"v\\udfff"}'), 'metadata.k'],
      ['a metadata key', customer('"name":"n","metadata":{"k\\ud800":"v"}'), 'metadata'],
    ])('POST /v1/customers with %s → 400', async (_name, json, field) => {
      const res = await sendRaw('post', '/v1/customers', json);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual([field]);
    });

    it('PATCH /v1/customers/:id and plan documents (checked by their services) too', async () => {
      await createCustomer('sur-patch');
      const patch = await sendRaw('patch', '/v1/customers/sur-patch', '{"name":"\\ud83d"}');
      expect(patch.status).toBe(400);
      expect(fieldsOf(patch.body)).toEqual(['name']);
      const planJson = JSON.stringify(plan('sur-plan')).replace(
        '"Plan sur-plan"',
        '"Plan \\udbff"',
      );
      const created = await sendRaw('post', '/v1/plans', planJson);
      expect(created.status).toBe(400);
      expect(fieldsOf(created.body)).toEqual(['name']);
      const charge = JSON.stringify(plan('sur-plan')).replace('"calls"', '"c\\ud800"');
      const chargeRes = await sendRaw('post', '/v1/plans', charge);
      expect(chargeRes.status).toBe(400);
      expect(fieldsOf(chargeRes.body)).toEqual(['charges[0].id']);
    });

    it('usage: endpoint and eventId, single and batch', async () => {
      const single = await t.http
        .post('/v1/usage')
        .set(t.auth('ingest'))
        .set('Content-Type', 'application/json')
        .send('{"customerId":"cal","endpoint":"/api/\\ud800","eventId":"e"}');
      expect(single.status).toBe(400);
      expect(fieldsOf(single.body)).toEqual(['endpoint']);
      const batch = await t.http
        .post('/v1/usage/batch')
        .set(t.auth('ingest'))
        .set('Content-Type', 'application/json')
        .send('{"events":[{"customerId":"cal","endpoint":"/a","eventId":"x\\udc00"}]}');
      expect(batch.status).toBe(400);
    });

    it('accepts well-formed text outside the BMP (a surrogate pair)', async () => {
      const res = await sendRaw(
        'post',
        '/v1/customers',
        '{"id":"sur-ok","email":"ok@example.test","planId":"paid","name":"Rocket \\ud83d\\ude80 Co","metadata":{"emoji":"\\ud83d\\ude00"}}',
      );
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('Rocket \u{1F680} Co');
    });
  });
});
