import { InvoicesService } from '../src/billing/invoices.service';
import { Dec } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/** RFC 4180, strictly: records end with CRLF; quoted fields may hold commas, quotes, CR and LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"' && (quoted || field === '')) {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

const NAMES: Record<string, string> = {
  'r-plain': 'Plain',
  'r-comma': 'Smith, Jones & Co',
  'r-quote': 'The "Best" Co',
  'r-newline': 'Line one\nLine two',
  'r-crlf': 'a\r\nb, "c"',
  'r-idle': 'Idle',
};

/** [customer, timestamp, endpoint, quantity]; ISO week 9 runs from Mon 2026-02-23 to Sun 03-01. */
const EVENTS: [string, string, string, string][] = [
  ['r-plain', '2026-02-27T10:00:00Z', '/api/a', '5'],
  ['r-plain', '2026-03-01T10:00:00Z', '/api/a', '1500'],
  ['r-plain', '2026-03-01T11:00:00Z', '/api/b', '0.1'],
  ['r-plain', '2026-03-15T10:00:00Z', '/api/b', '0.2'],
  ['r-comma', '2026-03-02T10:00:00Z', '/api/a', '2003'],
  ['r-quote', '2026-03-09T10:00:00Z', '/api/a', '10'],
  ['r-newline', '2026-03-16T10:00:00Z', '/api/b', '0.3'],
  ['r-newline', '2026-03-16T12:00:00Z', '/api/b', '0.3'],
  ['r-crlf', '2026-02-26T10:00:00Z', '/api/c', '7'],
];

const sum = (values: string[]) => values.reduce((a, v) => a.plus(v), new Dec(0)).toFixed();
const totalOf = (events = EVENTS) => ({
  quantity: sum(events.map((e) => e[3])),
  events: events.length,
});

interface Row {
  key?: string;
  customerId?: string;
  customerName?: string;
  quantity: string;
  events: number;
}

describe('Reports (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-31T12:00:00Z');
  const RANGE = { from: '2026-02-01', to: '2026-04-01' };

  const usage = (query: Record<string, string>, scope: 'read' | 'ingest' = 'read') =>
    t.http.get('/v1/reports/usage').query(query).set(t.auth(scope));
  const billing = (query: Record<string, string>) =>
    t.http.get('/v1/reports/billing').query(query).set(t.auth('read'));

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    for (const [id, name] of Object.entries(NAMES)) {
      await t.http
        .post('/v1/customers')
        .set(t.auth())
        .send({ id, name, email: `${id}@example.test`, planId: 'paid' })
        .expect(201);
    }
    const events = EVENTS.map(([customerId, timestamp, endpoint, quantity], i) => ({
      customerId,
      timestamp,
      endpoint,
      quantity,
      eventId: `e${i}`,
    }));
    const res = await t.http.post('/v1/usage/batch').set(t.auth('ingest')).send({ events });
    expect(res.body).toMatchObject({ accepted: EVENTS.length, rejected: 0 });
  });
  afterAll(() => t.close());

  it.each(['day', 'week', 'month', 'endpoint', 'customer'])(
    'groups all usage by %s, and the groups add up to the total',
    async (groupBy) => {
      const res = await usage({ ...RANGE, groupBy }).expect(200);
      expect(res.body).toMatchObject({ ...RANGE, groupBy, customerId: null, total: totalOf() });
      const rows = res.body.rows as Row[];
      expect(sum(rows.map((r) => r.quantity))).toBe(totalOf().quantity);
      expect(rows.reduce((n, r) => n + r.events, 0)).toBe(EVENTS.length);
    },
  );

  it('labels days, ISO weeks, months and endpoints', async () => {
    const keys = async (groupBy: string) =>
      ((await usage({ ...RANGE, groupBy }).expect(200)).body.rows as Row[]).map((r) => r.key);
    expect(await keys('month')).toEqual(['2026-02', '2026-03']);
    expect(await keys('week')).toEqual(['2026-W09', '2026-W10', '2026-W11', '2026-W12']);
    expect(await keys('endpoint')).toEqual(['/api/a', '/api/b', '/api/c']);
    const week9 = (await usage({ ...RANGE, groupBy: 'week' })).body.rows[0] as Row;
    expect(week9).toEqual({ key: '2026-W09', quantity: '1512.1', events: 4 });
    const days = (await usage({ ...RANGE, groupBy: 'day' })).body.rows as Row[];
    expect(days.find((d) => d.key === '2026-03-16')).toEqual({
      key: '2026-03-16',
      quantity: '0.6',
      events: 2,
    });
    const perCustomer = (await usage({ ...RANGE, groupBy: 'customer' })).body.rows as Row[];
    expect(perCustomer.map((r) => r.customerId)).toEqual(Object.keys(NAMES).sort());
    expect(perCustomer.find((r) => r.customerId === 'r-idle')).toMatchObject({ quantity: '0' });
  });

  it('narrows to one customer and to whole days [from, to)', async () => {
    const plain = await usage({ ...RANGE, customerId: 'r-plain', groupBy: 'endpoint' }).expect(200);
    expect(plain.body.total).toEqual(totalOf(EVENTS.filter((e) => e[0] === 'r-plain')));
    const oneDay = await usage({ from: '2026-03-01', to: '2026-03-02' }).expect(200);
    expect(oneDay.body.rows).toEqual([{ key: '2026-03-01', quantity: '1500.1', events: 2 }]);
    // Default range: the current month.
    const march = await usage({}).expect(200);
    expect(march.body).toMatchObject({ from: '2026-03-01', to: '2026-04-01', groupBy: 'day' });
    expect(march.body.total.events).toBe(7);
  });

  it('streams CSV that parses back to the same values, names with commas, quotes and newlines included', async () => {
    const res = await usage({ ...RANGE, groupBy: 'customer', format: 'csv' }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="usage-2026-02-01-2026-04-01-by-customer.csv"',
    );
    expect(res.text).toContain('"The ""Best"" Co"');
    const [header, ...records] = parseCsv(res.text);
    expect(header).toEqual(['customer_id', 'customer_name', 'quantity', 'events']);
    const json = (await usage({ ...RANGE, groupBy: 'customer' })).body.rows as Row[];
    expect(records).toEqual(
      json.map((r) => [r.customerId, r.customerName, r.quantity, String(r.events)]),
    );
    expect(records.map((r) => r[1])).toEqual(
      Object.keys(NAMES)
        .sort()
        .map((id) => NAMES[id]),
    );

    const weeks = await usage({ ...RANGE, groupBy: 'week', format: 'csv' }).expect(200);
    expect(parseCsv(weeks.text)[0]).toEqual(['week', 'quantity', 'events']);
  });

  it('rejects bad queries with the fields at fault', async () => {
    const fields = async (query: Record<string, string>) => {
      const res = await usage(query).expect(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      return (res.body.details.fields as { field: string }[]).map((f) => f.field).sort();
    };
    expect(await fields({ groupBy: 'hour', format: 'xml' })).toEqual(['format', 'groupBy']);
    expect(await fields({ from: '2026-02-30' })).toEqual(['from']);
    expect(await fields({ from: '2026-03-10', to: '2026-03-01' })).toEqual(['to']);
    expect(await fields({ from: '2025-01-01', to: '2026-03-01' })).toEqual(['to']);
    expect(await fields({ customerId: 'a#b' })).toEqual(['customerId']);
    expect(await fields({ color: 'red' })).toEqual(['color']);
    expect((await billing({ period: '2026-13' }).expect(400)).body.error).toBe('VALIDATION_FAILED');
    expect((await usage({ customerId: 'nobody' }).expect(404)).body.error).toBe(
      'CUSTOMER_NOT_FOUND',
    );
    expect((await usage({ customerId: 'nobody', format: 'csv' })).status).toBe(404);
    await usage({}, 'ingest').expect(403);
  });

  describe('billing', () => {
    beforeAll(async () => {
      clock.set('2026-04-02T09:00:00Z');
      const invoices = t.app.get(InvoicesService);
      const create = (customerId: string) =>
        t.http.post('/v1/invoices').set(t.auth()).send({ customerId, period: '2026-03' });
      const finalize = (id: string) =>
        t.http.post(`/v1/invoices/inv_${id}_2026-03/finalize`).set(t.auth()).expect(200);
      for (const id of ['r-plain', 'r-comma', 'r-quote', 'r-newline', 'r-crlf']) {
        await create(id).expect(201);
      }
      await finalize('r-plain'); // 5.00 open
      await finalize('r-comma'); // 10.03, then paid as a payment webhook would
      await invoices.transition('inv_r-comma_2026-03', 'paid', (c, at) => ({
        ...c,
        paidAt: at,
        amountPaid: c.total,
      }));
      await finalize('r-quote'); // nothing due: paid at once
      await t.http.post('/v1/invoices/inv_r-crlf_2026-03/void').set(t.auth()).expect(200);
    });

    it('totals invoices by status with amounts paid and outstanding, one row per customer', async () => {
      const res = await billing({ period: '2026-03' }).expect(200);
      const zero = { total: '0.00', amountPaid: '0.00', outstanding: '0.00', credited: '0.00' };
      expect(res.body).toMatchObject({
        period: '2026-03',
        customers: 6,
        customersWithoutInvoice: 1,
      });
      expect(res.body.totals).toEqual([
        {
          currency: 'USD',
          invoices: 5,
          total: '15.03',
          amountPaid: '10.03',
          outstanding: '5.00',
          credited: '0.00',
          byStatus: {
            draft: { invoices: 1, ...zero },
            open: {
              invoices: 1,
              total: '5.00',
              amountPaid: '0.00',
              outstanding: '5.00',
              credited: '0.00',
            },
            paid: {
              invoices: 2,
              total: '10.03',
              amountPaid: '10.03',
              outstanding: '0.00',
              credited: '0.00',
            },
            void: { invoices: 1, ...zero },
            uncollectible: { invoices: 0, ...zero },
          },
        },
      ]);
      const statuses = Object.fromEntries(
        (res.body.rows as { customerId: string; status: string }[]).map((r) => [
          r.customerId,
          r.status,
        ]),
      );
      expect(statuses).toEqual({
        'r-comma': 'paid',
        'r-crlf': 'void',
        'r-idle': 'none',
        'r-newline': 'draft',
        'r-plain': 'open',
        'r-quote': 'paid',
      });
      // Default period: the month that ended last.
      expect((await billing({}).expect(200)).body.period).toBe('2026-03');
    });

    it('streams the same rows as CSV', async () => {
      const res = await billing({ period: '2026-03', format: 'csv' }).expect(200);
      expect(res.headers['content-disposition']).toBe('attachment; filename="billing-2026-03.csv"');
      const [header, ...records] = parseCsv(res.text);
      expect(header).toEqual([
        'customer_id',
        'customer_name',
        'customer_status',
        'currency',
        'invoice_id',
        'invoice_number',
        'billing_reason',
        'invoice_status',
        'total',
        'amount_paid',
        'outstanding',
        'credited',
      ]);
      const json = (await billing({ period: '2026-03' })).body.rows as Record<
        string,
        string | null
      >[];
      const keys = ['customerId', 'customerName', 'customerStatus', 'currency', 'invoiceId'];
      const more = [
        'invoiceNumber',
        'billingReason',
        'status',
        'total',
        'amountPaid',
        'outstanding',
        'credited',
      ];
      expect(records).toEqual(json.map((r) => [...keys, ...more].map((k) => String(r[k] ?? ''))));
      expect(records.find((r) => r[0] === 'r-crlf')?.[1]).toBe(NAMES['r-crlf']);
    });
  });
});
