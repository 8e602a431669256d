import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { Clock } from '../src/common/time/clock';
import { DocumentsAuditSubscriber } from '../src/documents/documents-audit.subscriber';
import { BillingEventSubscriptions, type BillingEventFor, OutboxRelay } from '../src/events';
import { FakeClock } from './support/fake-clock';
import { pdfText } from './support/pdf-text';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Invoice documents through the API: PDF and HTML, their content (read back from the PDF with a
 * PDF text extractor), byte-identical re-renders, escaping of customer text, currency
 * formatting, share links, and the SHA-256 of the finalized PDF in the audit trail.
 */

/** Collects a binary body (supertest only buffers text and JSON by itself). */
const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

describe('Invoice documents (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-11-10T12:00:00Z');

  const plan = (body: Record<string, unknown>) =>
    t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({ minimumCharge: '0', limits: { unitsPerDay: 1_000_000 }, ...body })
      .expect(201);
  const customer = (body: Record<string, unknown>) =>
    t.http.post('/v1/customers').set(t.auth()).send(body).expect(201);
  const usage = (customerId: string, quantity: number, endpoint = '/api/search') =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId, endpoint, quantity, timestamp: '2026-11-05T10:00:00Z' })
      .expect((res: Response) => expect(res.status).toBeLessThan(300));
  const draft = async (customerId: string) =>
    (
      await t.http
        .post('/v1/invoices')
        .set(t.auth())
        .send({ customerId, period: '2026-11' })
        .expect(201)
    ).body;
  /** Finalizes once the period is over (the clock moves to 2026-12-02). */
  const finalize = async (invoiceId: string) => {
    clock.set('2026-12-02T09:00:00Z');
    return (await t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(t.auth()).expect(200)).body;
  };
  const pdf = async (invoiceId: string, scope: 'read' | 'admin' = 'read') => {
    const res = await t.http
      .get(`/v1/invoices/${invoiceId}/document`)
      .set(t.auth(scope))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    return { res, body: res.body as Buffer };
  };
  const html = async (invoiceId: string) => {
    const res = await t.http
      .get(`/v1/invoices/${invoiceId}/document`)
      .set(t.auth('read'))
      .set('Accept', 'text/html')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    return res;
  };

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SELLER_NAME: 'Metered Cloud GmbH',
        SELLER_ADDRESS: 'Hauptstrasse 1\\n10115 Berlin\\nGermany',
        SELLER_TAX_ID: 'DE999999999',
        SELLER_EMAIL: 'billing@metered.test',
        INVOICE_FOOTER:
          'Pay by bank transfer to IBAN DE00 1234 5678 9012 3456 78\\nReference: the invoice number',
        DOCUMENT_LINK_SECRET: 'documents-e2e-secret-0123456789abcdef',
        CREDITS_EXPIRY_SWEEP_SECONDS: '0',
      },
      overrides: [[Clock, clock]],
    });
    await plan({
      id: 'doc-usd',
      name: 'Docs USD',
      currency: 'USD',
      baseFee: '10',
      charges: [
        {
          id: 'calls',
          endpoint: '*',
          aggregation: 'sum',
          model: 'graduated',
          tiers: [
            { upTo: 1000, unitAmount: '0' },
            { upTo: null, unitAmount: '0.01' },
          ],
        },
      ],
    });
    const perUnit = (unitAmount: string) => [
      { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount },
    ];
    await plan({
      id: 'doc-jpy',
      name: 'Docs JPY',
      currency: 'JPY',
      baseFee: '1000',
      charges: perUnit('1'),
    });
    await plan({
      id: 'doc-kwd',
      name: 'Docs KWD',
      currency: 'KWD',
      baseFee: '1',
      charges: perUnit('0.125'),
    });
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set('2026-11-10T12:00:00Z'));

  it('renders a draft as a PDF with every line, its tiers, the totals and a DRAFT stamp', async () => {
    await customer({
      id: 'doc-acme',
      email: 'ap@acme.test',
      name: 'Acme Corporation',
      planId: 'doc-usd',
      billingAddress: '1 Main Street\nSpringfield 12345',
      taxId: 'US-12-3456789',
    });
    await usage('doc-acme', 5000);
    const invoice = await draft('doc-acme');
    expect(invoice.total).toBe('50.00');

    const { res, body } = await pdf(invoice.id);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${invoice.number}.pdf"`);
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(body);
    for (const expected of [
      'DRAFT',
      invoice.number,
      'Metered Cloud GmbH',
      'Hauptstrasse 1',
      '10115 Berlin',
      'DE999999999',
      'billing@metered.test',
      'Acme Corporation',
      'ap@acme.test',
      '1 Main Street',
      'Springfield 12345',
      'US-12-3456789',
      'Issue date 2026-11-10',
      '2026-11-01 to 2026-11-30',
      // The usage line's tiers: from, to, quantity, unit price, flat fee, amount.
      '0 1,000 1,000 0.00 USD 0.00 USD 0.00 USD',
      '1,000 and up 4,000 0.01 USD 0.00 USD 40.00 USD',
      'Base fee 10.00 USD',
      'Minimum top-up 0.00 USD',
      'Total 50.00 USD',
      'Amount paid 0.00 USD',
      'Amount due 50.00 USD',
      'Pay by bank transfer to IBAN DE00 1234 5678 9012 3456 78',
      'Reference: the invoice number',
    ]) {
      expect(text).toContain(expected);
    }
    expect(invoice.lines.length).toBeGreaterThanOrEqual(2);
    for (const line of invoice.lines as { description: string; amount: string }[]) {
      expect(text).toContain(line.description);
      expect(text).toContain(`${line.amount} USD`);
    }
    expect(text).not.toContain('VOID');
  });

  it('renders the same invoice to the same bytes, and a finalized one without the stamp', async () => {
    await customer({ id: 'doc-same', email: 'a@same.test', name: 'Same', planId: 'doc-usd' });
    await usage('doc-same', 2500);
    const invoice = await draft('doc-same');
    const first = (await pdf(invoice.id)).body;
    clock.advance(3_600_000);
    const second = (await pdf(invoice.id, 'admin')).body;
    expect(second.equals(first)).toBe(true);

    const finalized = await finalize(invoice.id);
    const open = (await pdf(invoice.id)).body;
    expect(open.equals(first)).toBe(false);
    const text = await pdfText(open);
    expect(text).not.toContain('DRAFT');
    expect(text).toContain('Issue date 2026-12-02');
    expect(text).toContain('Due date 2027-01-01');
    expect(text).toContain(`Amount due ${finalized.amountDue} USD`);
    expect((await pdf(invoice.id)).body.equals(open)).toBe(true);
  });

  it('stamps a voided invoice VOID and owes nothing on it', async () => {
    await customer({ id: 'doc-void', email: 'a@void.test', name: 'Void', planId: 'doc-usd' });
    const invoice = await draft('doc-void');
    await t.http.post(`/v1/invoices/${invoice.id}/void`).set(t.auth()).expect(200);
    const text = await pdfText((await pdf(invoice.id)).body);
    expect(text).toContain('VOID');
    expect(text).not.toContain('DRAFT');
    expect(text).toContain('Amount due 0.00 USD');
  });

  it('serves HTML by Accept or ?format=html and escapes customer text', async () => {
    await customer({
      id: 'doc-hostile',
      email: 'x@hostile.test',
      name: '<script>alert(1)</script>',
      planId: 'doc-usd',
      billingAddress: '<img src=x onerror=alert(2)>\n"Quoted" & Sons',
      taxId: '<b>TAX</b>',
    });
    await usage('doc-hostile', 1200);
    const invoice = await draft('doc-hostile');
    const page = await html(invoice.id);
    expect(page.headers['content-disposition']).toBe(`inline; filename="${invoice.number}.html"`);
    expect(page.text).not.toContain('<script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<b>TAX');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;');
    expect(page.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
    expect(page.text).toContain('&quot;Quoted&quot; &amp; Sons');
    expect(page.text).toContain(invoice.number);
    expect(page.text).toContain('DRAFT');

    const byQuery = await t.http
      .get(`/v1/invoices/${invoice.id}/document?format=html`)
      .set(t.auth('read'))
      .expect(200);
    expect(byQuery.text).toBe(page.text);
    // ?format wins over Accept.
    const pdfByQuery = await t.http
      .get(`/v1/invoices/${invoice.id}/document?format=pdf`)
      .set(t.auth('read'))
      .set('Accept', 'text/html')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(pdfByQuery.headers['content-type']).toBe('application/pdf');
    // The PDF shows the same name as text.
    expect(await pdfText(pdfByQuery.body as Buffer)).toContain('<script>alert(1)</script>');
  });

  it('formats JPY without decimals and KWD with three', async () => {
    await customer({ id: 'doc-yen', email: 'a@yen.test', name: 'Yen', planId: 'doc-jpy' });
    await customer({ id: 'doc-dinar', email: 'a@dinar.test', name: 'Dinar', planId: 'doc-kwd' });
    await usage('doc-yen', 1234);
    await usage('doc-dinar', 10);
    const yen = await draft('doc-yen');
    const dinar = await draft('doc-dinar');
    expect(yen.total).toBe('2234');
    expect(dinar.total).toBe('2.250');

    const yenText = await pdfText((await pdf(yen.id)).body);
    expect(yenText).toContain('Total 2,234 JPY');
    expect(yenText).toContain('Base fee 1,000 JPY');
    expect(yenText).toContain('1,234 JPY');
    expect(yenText).not.toMatch(/2,234\.\d+ JPY/);
    const dinarText = await pdfText((await pdf(dinar.id)).body);
    expect(dinarText).toContain('Total 2.250 KWD');
    expect(dinarText).toContain('Base fee 1.000 KWD');
    expect(dinarText).toContain('1.250 KWD');
    expect((await html(yen.id)).text).toContain('2,234 JPY');
    expect((await html(dinar.id)).text).toContain('2.250 KWD');
  });

  it('answers 404 for an unknown invoice or credit note', async () => {
    const invoice = await t.http
      .get('/v1/invoices/inv_nobody_2026-11/document')
      .set(t.auth('read'))
      .expect(404);
    expect(invoice.body.error).toBe('INVOICE_NOT_FOUND');
    const note = await t.http
      .get('/v1/credit-notes/cn_nothing/document')
      .set(t.auth('read'))
      .expect(404);
    expect(note.body.error).toBe('CREDIT_NOTE_NOT_FOUND');
  });

  it('renders a credit note, and lists it on its invoice', async () => {
    await customer({ id: 'doc-note', email: 'a@note.test', name: 'Noted', planId: 'doc-usd' });
    await usage('doc-note', 3000);
    const invoice = await finalize((await draft('doc-note')).id);
    const note = await t.http
      .post(`/v1/invoices/${invoice.id}/credit-notes`)
      .set(t.auth())
      .send({ amount: '5.00', reason: 'order_change', memo: '<i>Outage</i> on 12 November' })
      .expect(201);
    const res = await t.http
      .get(`/v1/credit-notes/${note.body.id}/document`)
      .set(t.auth('read'))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${note.body.number}.pdf"`,
    );
    const text = await pdfText(res.body as Buffer);
    expect(text).toContain(note.body.number);
    expect(text).toContain(invoice.number);
    expect(text).toContain('Total credited 5.00 USD');
    expect(text).toContain('<i>Outage</i> on 12 November');
    const page = await t.http
      .get(`/v1/credit-notes/${note.body.id}/document?format=html`)
      .set(t.auth('read'))
      .expect(200);
    expect(page.text).toContain('&lt;i&gt;Outage&lt;&#x2F;i&gt; on 12 November');
    expect(page.text).not.toContain('<i>Outage');

    const invoiceText = await pdfText((await pdf(invoice.id)).body);
    expect(invoiceText).toContain('Credit notes -5.00 USD');
    expect(invoiceText).toContain(`${note.body.number} (2026-12-02) 5.00 USD`);
    expect(invoiceText).toContain('Amount due 25.00 USD');
  });

  it('takes billingAddress and taxId on the customer API, validated', async () => {
    const created = await customer({
      id: 'doc-fields',
      email: 'a@fields.test',
      name: 'Fields',
      planId: 'doc-usd',
      billingAddress: 'Line 1\nLine 2',
      taxId: 'GB123',
    });
    expect(created.body).toMatchObject({ billingAddress: 'Line 1\nLine 2', taxId: 'GB123' });
    const patched = await t.http
      .patch('/v1/customers/doc-fields')
      .set(t.auth())
      .send({ taxId: 'GB456' })
      .expect(200);
    expect(patched.body).toMatchObject({ billingAddress: 'Line 1\nLine 2', taxId: 'GB456' });
    const plain = await customer({
      id: 'doc-plain',
      email: 'a@plain.test',
      name: 'P',
      planId: 'doc-usd',
    });
    expect(plain.body).toMatchObject({ billingAddress: null, taxId: null });
    for (const body of [
      { billingAddress: 'x'.repeat(501) },
      { taxId: 'x'.repeat(65) },
      { billingAddress: '' },
      { taxId: 7 },
    ]) {
      const res = await t.http
        .patch('/v1/customers/doc-fields')
        .set(t.auth())
        .send(body)
        .expect(400);
      expect(res.body.details.fields.map((f: { field: string }) => f.field)).toEqual(
        Object.keys(body),
      );
    }
  });

  describe('share links', () => {
    let a: { id: string; number: string };
    let b: { id: string; number: string };

    beforeAll(async () => {
      await customer({
        id: 'doc-share-a',
        email: 'a@share.test',
        name: 'Share A',
        planId: 'doc-usd',
      });
      await customer({
        id: 'doc-share-b',
        email: 'b@share.test',
        name: 'Share B',
        planId: 'doc-usd',
      });
      a = await draft('doc-share-a');
      b = await draft('doc-share-b');
    });

    const share = (invoiceId: string, expiresInSeconds: unknown) =>
      t.http.post(`/v1/invoices/${invoiceId}/share-link`).set(t.auth()).send({ expiresInSeconds });

    it('shows the invoice page without an API key, with its PDF', async () => {
      const link = await share(a.id, 3600).expect(201);
      expect(link.body).toEqual({
        url: expect.stringMatching(/^\/v1\/public\/invoices\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
        expiresAt: '2026-11-10T13:00:00.000Z',
      });
      const page = await t.http.get(link.body.url).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain(a.number);
      expect(page.text).toContain('Share A');
      expect(page.text).not.toContain(b.number);
      // Mustache escapes "/" and "=" in attributes too; a browser reads them back as written.
      const unescaped = page.text.replace(/&#x2F;/g, '/').replace(/&#x3D;/g, '=');
      expect(unescaped).toContain(`href="${link.body.url}?format=pdf"`);

      const file = await t.http
        .get(`${link.body.url}?format=pdf`)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(file.headers['content-type']).toBe('application/pdf');
      expect(file.headers['content-disposition']).toBe(`attachment; filename="${a.number}.pdf"`);
      expect((file.body as Buffer).equals((await pdf(a.id)).body)).toBe(true);
    });

    it('refuses a tampered token with 403 and reaches no other invoice', async () => {
      const link = await share(a.id, 3600).expect(201);
      const token: string = link.body.url.split('/').pop();
      const [payload, signature] = token.split('.');

      // The payload pointed at another invoice, the signature kept.
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      expect(decoded.invoiceId).toBe(a.id);
      const other = Buffer.from(JSON.stringify({ ...decoded, invoiceId: b.id })).toString(
        'base64url',
      );
      const longer = Buffer.from(
        JSON.stringify({ ...decoded, exp: decoded.exp + 86_400 }),
      ).toString('base64url');
      const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const bad of [
        `${other}.${signature}`,
        `${longer}.${signature}`,
        `${payload}.${flipped}`,
        payload,
        `${payload}.`,
        'not-a-token',
      ]) {
        const res = await t.http.get(`/v1/public/invoices/${bad}`).expect(403);
        expect(res.body.error).toBe('DOCUMENT_LINK_INVALID');
      }
      // The token is no API key: the authenticated routes still want one.
      await t.http
        .get(`/v1/invoices/${b.id}/document`)
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      // A link to B shows B.
      const toB = await share(b.id, 60).expect(201);
      const page = await t.http.get(toB.body.url).expect(200);
      expect(page.text).toContain(b.number);
      expect(page.text).not.toContain(a.number);
    });

    it('answers 410 once the link expired', async () => {
      const link = await share(a.id, 600).expect(201);
      clock.advance(599_000);
      await t.http.get(link.body.url).expect(200);
      clock.advance(1_000);
      const res = await t.http.get(link.body.url).expect(410);
      expect(res.body).toMatchObject({
        error: 'DOCUMENT_LINK_EXPIRED',
        details: { expiresAt: '2026-11-10T12:10:00.000Z' },
      });
    });

    it('needs admin, a known invoice and at most 30 days', async () => {
      await t.http
        .post(`/v1/invoices/${a.id}/share-link`)
        .set(t.auth('read'))
        .send({ expiresInSeconds: 60 })
        .expect(403);
      expect((await share('inv_nobody_2026-11', 60).expect(404)).body.error).toBe(
        'INVOICE_NOT_FOUND',
      );
      for (const bad of [0, 2_592_001, 1.5, '60', null]) {
        expect((await share(a.id, bad).expect(400)).body.error).toBe('VALIDATION_FAILED');
      }
      const longest = await share(a.id, 2_592_000).expect(201);
      expect(longest.body.expiresAt).toBe('2026-12-10T12:00:00.000Z');
    });
  });

  it('audits the SHA-256 of the finalized PDF once per event, matching a fresh render', async () => {
    await customer({ id: 'doc-audit', email: 'a@audit.test', name: 'Audit', planId: 'doc-usd' });
    await usage('doc-audit', 3000);
    const invoice = await draft('doc-audit');
    await finalize(invoice.id);
    expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
    expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);

    const records = async () =>
      (
        await t.http
          .get(`/v1/audit?entityType=invoice_document&entityId=${invoice.id}`)
          .set(t.auth())
          .expect(200)
      ).body.data.filter((r: { operation: string }) => r.operation === 'document.render');
    const [record, ...more] = await records();
    expect(more).toEqual([]);
    const fresh = (await pdf(invoice.id)).body;
    expect(record.after).toMatchObject({
      format: 'pdf',
      sha256: sha256(fresh),
      bytes: fresh.length,
      number: invoice.number,
      status: 'open',
    });

    // The same event again (a redelivery) adds no second record.
    await t.app.get(DocumentsAuditSubscriber).handle({
      eventId: record.after.eventId,
      type: 'billing.invoice.finalized',
      data: { invoiceId: invoice.id },
    } as unknown as BillingEventFor<'billing.invoice.finalized'>);
    expect(await records()).toHaveLength(1);
  });
});
