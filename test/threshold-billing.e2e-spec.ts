import { Clock } from '../src/common/time/clock';
import { BillingEventSubscriptions, OutboxRelay } from '../src/events';
import { EventsOptions } from '../src/events/events.options';
import { BillingThresholdsService } from '../src/threshold-billing/billing-thresholds.service';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { FakeClock } from './support/fake-clock';
import { type TestApp, startTestApp, testConfig } from './support/test-app';

/*
 * Threshold invoices (progressive billing): when the usage spend of the period reaches a
 * threshold, an invoice for the spend so far minus what earlier threshold invoices billed is
 * issued and finalized at once, exactly once per threshold and period; the period's own invoice
 * deducts what they billed ("Billed at thresholds"); an unpaid one can block usage.
 */

const DURING = '2026-03-10T12:00:00Z';
const AFTER = '2026-04-01T00:10:00Z';
const PERIOD = '2026-03';

const fastEvents = () =>
  new EventsOptions({
    pollIntervalMs: 20,
    idlePollIntervalMs: 100,
    retryInitialMs: 20,
    retryMaxMs: 100,
  });

interface InvoiceBody {
  id: string;
  number: string;
  billingReason: string;
  threshold?: { index: number; value: string };
  status: string;
  total: string;
  credits: string;
  amountDue: string;
  lines: { kind: string; description: string; amount: string; reference?: string }[];
  provider: { invoiceId: string } | null;
}

/** Until usage events and the threshold checks after them are all delivered. */
async function settle(...apps: TestApp[]) {
  for (let round = 0; round < 3; round++) {
    for (const a of apps) {
      expect(await a.app.get(OutboxRelay).flush(10_000)).toBe(true);
      expect(await a.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
    }
  }
}

describe('Threshold invoices (e2e)', () => {
  const clock = new FakeClock(DURING);
  let customers = 0;

  const start = (env: Record<string, string> = {}, config = testConfig(env)) =>
    startTestApp({
      config,
      overrides: [
        [Clock, clock],
        [EventsOptions, fastEvents()],
      ],
    });

  async function setUp(t: TestApp) {
    clock.set(DURING);
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id: 'metered',
        name: 'metered',
        currency: 'USD',
        baseFee: '10.00',
        minimumCharge: '0',
        charges: [
          { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '1.00' },
        ],
      })
      .expect(201);
  }

  const createCustomer = async (t: TestApp) => {
    const id = `thr-${++customers}`;
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'metered' })
      .expect(201);
    return id;
  };
  const putThresholds = (t: TestApp, customerId: string, body: Record<string, unknown>) =>
    t.http.put(`/v1/customers/${customerId}/billing-thresholds`).set(t.auth()).send(body);
  const track = (t: TestApp, customerId: string, eventId: string, quantity: number) =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId, endpoint: '/api/a', quantity, eventId, timestamp: DURING });
  const batch = (t: TestApp, customerId: string, quantities: number[], prefix: string) =>
    t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: quantities.map((quantity, i) => ({
          customerId,
          endpoint: '/api/a',
          quantity,
          eventId: `${prefix}-${i}`,
          timestamp: DURING,
        })),
      });
  const invoicesOf = async (t: TestApp, customerId: string) =>
    (
      (await t.http.get(`/v1/customers/${customerId}/invoices`).set(t.auth('read')).expect(200))
        .body.data as InvoiceBody[]
    ).sort((a, b) => a.id.localeCompare(b.id));
  const thresholdInvoicesOf = async (t: TestApp, customerId: string) =>
    (await invoicesOf(t, customerId)).filter((i) => i.billingReason === 'threshold');
  async function closePeriod(t: TestApp, customerId: string): Promise<InvoiceBody> {
    clock.set(AFTER);
    try {
      await t.http
        .post('/v1/invoices')
        .set(t.auth())
        .send({ customerId, period: PERIOD })
        .expect(201);
      return (
        await t.http
          .post(`/v1/invoices/inv_${customerId}_${PERIOD}/finalize`)
          .set(t.auth())
          .expect(200)
      ).body as InvoiceBody;
    } finally {
      clock.set(DURING);
    }
  }

  describe('without Stripe', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await start();
      await setUp(t);
    });
    afterAll(() => t.close());

    it('sets, reads, replaces and removes thresholds; refuses bad input with 400 and unknown customers with 404', async () => {
      const id = await createCustomer(t);
      const created = await putThresholds(t, id, {
        amounts: ['100', '500.5'],
        recurringEvery: '1000',
        blockWhenUnpaidAfter: 3600,
      }).expect(201);
      expect(created.body).toMatchObject({
        customerId: id,
        currency: 'USD',
        amounts: ['100.00', '500.50'],
        recurringEvery: '1000.00',
        blockWhenUnpaidAfter: 3600,
        currentPeriod: { period: PERIOD, reached: 0, invoices: [] },
      });
      const replaced = await putThresholds(t, id, { amounts: ['50.00'] }).expect(200);
      expect(replaced.body).toMatchObject({
        amounts: ['50.00'],
        recurringEvery: null,
        blockWhenUnpaidAfter: null,
      });
      const read = await t.http
        .get(`/v1/customers/${id}/billing-thresholds`)
        .set(t.auth())
        .expect(200);
      expect(read.body.amounts).toEqual(['50.00']);
      // Admin only, reading included.
      await t.http.get(`/v1/customers/${id}/billing-thresholds`).set(t.auth('read')).expect(403);

      for (const [body, field] of [
        [{ amounts: ['100.00', '100.00'] }, 'amounts[1]'],
        [{ amounts: ['100.001'] }, 'amounts[0]'],
        [{ amounts: ['-5'] }, 'amounts[0]'],
        [{ amounts: ['10'], recurringEvery: '0' }, 'recurringEvery'],
      ] as const) {
        const bad = await putThresholds(t, id, body).expect(400);
        expect(bad.body.error).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(bad.body.details)).toContain(field);
      }
      await putThresholds(t, id, { amounts: [] }).expect(400);
      await putThresholds(t, id, { amounts: ['10'], blockWhenUnpaidAfter: -1 }).expect(400);
      await putThresholds(t, 'nobody', { amounts: ['10'] }).expect(404);

      await t.http.delete(`/v1/customers/${id}/billing-thresholds`).set(t.auth()).expect(204);
      const gone = await t.http
        .get(`/v1/customers/${id}/billing-thresholds`)
        .set(t.auth())
        .expect(404);
      expect(gone.body.error).toBe('BILLING_THRESHOLDS_NOT_FOUND');
      await t.http.delete(`/v1/customers/${id}/billing-thresholds`).set(t.auth()).expect(404);
    });

    it('bills the spend so far at each threshold, less earlier threshold invoices, and the period invoice deducts them', async () => {
      const id = await createCustomer(t);
      await putThresholds(t, id, { amounts: ['100.00', '500.00'] }).expect(201);

      await track(t, id, 'e1', 60).expect(201);
      await settle(t);
      expect(await thresholdInvoicesOf(t, id)).toEqual([]);

      await track(t, id, 'e2', 50).expect(201); // 110.00: threshold 1
      await settle(t);
      const [first] = await thresholdInvoicesOf(t, id);
      expect(first).toMatchObject({
        id: `inv_${id}_${PERIOD}_t1`,
        billingReason: 'threshold',
        threshold: { index: 1, value: '100.00' },
        status: 'open',
        total: '110.00',
        amountDue: '110.00',
      });
      // Usage lines only: the base fee waits for the period's own invoice.
      expect(first.lines.map((l) => [l.kind, l.amount])).toEqual([['usage', '110.00']]);
      const html = await t.http
        .get(`/v1/invoices/${first.id}/document?format=html`)
        .set(t.auth('read'))
        .expect(200);
      expect(html.text).toContain('Billed at threshold');
      expect(html.text).toContain('100.00 USD of usage');

      await track(t, id, 'e3', 450).expect(201); // 560.00: threshold 2
      await settle(t);
      const both = await thresholdInvoicesOf(t, id);
      expect(both).toHaveLength(2);
      expect(both[1]).toMatchObject({
        id: `inv_${id}_${PERIOD}_t2`,
        threshold: { index: 2, value: '500.00' },
        total: '450.00',
      });
      expect(both[1].lines.map((l) => [l.kind, l.amount])).toEqual([
        ['usage', '560.00'],
        ['deduction', '-110.00'],
      ]);
      expect(both[1].lines[1].description).toBe(`Billed at earlier thresholds (${first.number})`);

      const view = await t.http
        .get(`/v1/customers/${id}/billing-thresholds`)
        .set(t.auth())
        .expect(200);
      expect(view.body.currentPeriod.reached).toBe(2);
      expect(view.body.currentPeriod.invoices.map((i: InvoiceBody) => i.id)).toEqual(
        both.map((i) => i.id),
      );

      await track(t, id, 'e4', 5).expect(201); // 565.00: no new threshold
      const final = await closePeriod(t, id);
      // 565.00 of usage and the 10.00 base fee, less the 560.00 billed at thresholds.
      expect(final).toMatchObject({ billingReason: 'period', status: 'open', total: '15.00' });
      expect(final.lines.map((l) => [l.kind, l.amount])).toEqual([
        ['usage', '565.00'],
        ['base_fee', '10.00'],
        ['deduction', '-560.00'],
      ]);
      expect(final.lines[2].description).toBe(
        `Billed at thresholds (${both[0].number}, ${both[1].number})`,
      );

      // Reports: one row per invoice of the period.
      const report = await t.http
        .get('/v1/reports/billing')
        .query({ period: PERIOD })
        .set(t.auth('read'))
        .expect(200);
      const rows = report.body.rows.filter((r: { customerId: string }) => r.customerId === id);
      expect(
        rows.map((r: { invoiceId: string; billingReason: string; total: string }) => [
          r.invoiceId,
          r.billingReason,
          r.total,
        ]),
      ).toEqual([
        [`inv_${id}_${PERIOD}_t1`, 'threshold', '110.00'],
        [`inv_${id}_${PERIOD}_t2`, 'threshold', '450.00'],
        [`inv_${id}_${PERIOD}`, 'period', '15.00'],
      ]);

      // Once the period is closed, nothing more is billed at thresholds.
      await t.app.get(BillingThresholdsService).evaluate(id, PERIOD);
      expect(await thresholdInvoicesOf(t, id)).toHaveLength(2);
    });

    it('one batch passing several thresholds gives one invoice, at the highest; recurring thresholds continue', async () => {
      const id = await createCustomer(t);
      await putThresholds(t, id, { amounts: ['10.00', '20.00'], recurringEvery: '100.00' }).expect(
        201,
      );
      await batch(t, id, [8, 8, 8], 'b1').expect(200); // 24.00: thresholds 1 and 2
      await settle(t);
      let invoices = await thresholdInvoicesOf(t, id);
      expect(invoices.map((i) => [i.id, i.total])).toEqual([[`inv_${id}_${PERIOD}_t2`, '24.00']]);

      await batch(t, id, [100, 100], 'b2').expect(200); // 224.00: thresholds 3 (120) and 4 (220)
      await settle(t);
      invoices = await thresholdInvoicesOf(t, id);
      expect(invoices.map((i) => [i.id, i.threshold?.value, i.total])).toEqual([
        [`inv_${id}_${PERIOD}_t2`, '20.00', '24.00'],
        [`inv_${id}_${PERIOD}_t4`, '220.00', '200.00'],
      ]);
    });

    it('setting thresholds below the spend already recorded bills at once', async () => {
      const id = await createCustomer(t);
      await track(t, id, 'before-1', 70).expect(201);
      await settle(t);
      const put = await putThresholds(t, id, { amounts: ['50.00', '100.00'] }).expect(201);
      expect(put.body.currentPeriod).toMatchObject({ reached: 1 });
      const [invoice] = await thresholdInvoicesOf(t, id);
      expect(invoice).toMatchObject({ id: `inv_${id}_${PERIOD}_t1`, total: '70.00' });
      await track(t, id, 'after-1', 30).expect(201);
      await settle(t);
      expect((await thresholdInvoicesOf(t, id)).map((i) => i.total)).toEqual(['70.00', '30.00']);
    });

    it('prepaid credits pay a threshold invoice first', async () => {
      const id = await createCustomer(t);
      await t.http
        .post(`/v1/customers/${id}/credit-grants`)
        .set(t.auth())
        .send({ kind: 'purchased', grantId: 'g', amount: '30.00', effectiveAt: '2026-03-01' })
        .expect(201);
      await putThresholds(t, id, { amounts: ['100.00'] }).expect(201);
      await track(t, id, 'c1', 120).expect(201);
      await settle(t);
      const [invoice] = await thresholdInvoicesOf(t, id);
      expect(invoice).toMatchObject({
        total: '120.00',
        credits: '30.00',
        amountDue: '90.00',
        status: 'open',
      });
      const balance = await t.http
        .get(`/v1/customers/${id}/credit-balance`)
        .set(t.auth('read'))
        .expect(200);
      expect(balance.body.available).toBe('0.00');
    });

    it('refuses usage with 402 while a threshold invoice stays unpaid past blockWhenUnpaidAfter, and accepts it once paid', async () => {
      const id = await createCustomer(t);
      await putThresholds(t, id, { amounts: ['10.00'], blockWhenUnpaidAfter: 3600 }).expect(201);
      await track(t, id, 'u1', 15).expect(201);
      await settle(t);
      const [invoice] = await thresholdInvoicesOf(t, id);
      expect(invoice.status).toBe('open');

      // Within the hour: still accepted.
      clock.set('2026-03-10T12:30:00Z');
      await track(t, id, 'u2', 1).expect(201);
      clock.set('2026-03-10T13:30:00Z');
      try {
        const refused = await track(t, id, 'u3', 1).expect(402);
        expect(refused.body.error).toBe('THRESHOLD_INVOICE_UNPAID');
        expect(refused.body.message).toContain(invoice.id);
        const mixed = await batch(t, id, [1, 1], 'u4').expect(200);
        expect(mixed.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual([
          'THRESHOLD_INVOICE_UNPAID',
          'THRESHOLD_INVOICE_UNPAID',
        ]);

        await t.http
          .post(`/v1/invoices/${invoice.id}/payments`)
          .set(t.auth())
          .send({
            amount: invoice.amountDue,
            method: 'bank_transfer',
            paidAt: '2026-03-10T13:00:00Z',
          })
          .expect(201);
        await track(t, id, 'u3', 1).expect(201);
      } finally {
        clock.set(DURING);
      }
    });
  });

  describe('several instances', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      a = await start();
      b = await start({}, a.config);
      await setUp(a);
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('issues each threshold invoice once while two instances ingest and evaluate concurrently; the period invoice bills exactly the rest', async () => {
      const id = await createCustomer(a);
      await putThresholds(a, id, { amounts: ['5.00'], recurringEvery: '5.00' }).expect(201);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          track(i % 2 === 0 ? a : b, id, `c-${i}`, 1).expect(201),
        ),
      );
      // Redeliveries and both instances evaluating at once change nothing.
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? a : b).app.get(BillingThresholdsService).evaluate(id, PERIOD),
        ),
      );
      await settle(a, b);
      const invoices = await thresholdInvoicesOf(a, id);
      const indexes = invoices.map((i) => i.threshold!.index);
      expect(new Set(indexes).size).toBe(indexes.length);
      expect(Math.max(...indexes)).toBe(8); // 40.00 reaches 5 × 8
      const billed = invoices.reduce((sum, i) => sum + Number(i.total) * 100, 0);
      expect(billed).toBe(4000);

      // The billing run closes the period and deducts what the threshold invoices billed.
      clock.set(AFTER);
      await a.http.post('/v1/billing-runs').set(a.auth()).send({ period: PERIOD }).expect(202);
      for (let i = 0; ; i++) {
        const run = await a.http.get(`/v1/billing-runs/${PERIOD}`).set(a.auth('read')).expect(200);
        if (run.body.status !== 'running') {
          expect(run.body.status).toBe('completed');
          break;
        }
        if (i > 400) throw new Error('billing run did not finish');
        await new Promise((r) => setTimeout(r, 25));
      }
      clock.set(DURING);
      const final = (await invoicesOf(a, id)).find((i) => i.billingReason === 'period')!;
      expect(final.lines.map((l) => [l.kind, l.amount])).toEqual([
        ['usage', '40.00'],
        ['base_fee', '10.00'],
        ['deduction', '-40.00'],
      ]);
      expect(final.total).toBe('10.00');
    });
  });

  describe('with Stripe', () => {
    let t: TestApp;
    let stripe: FakeStripe;

    beforeAll(async () => {
      stripe = await startFakeStripe();
      t = await start({
        STRIPE_SECRET_KEY: 'sk_test_thresholds',
        STRIPE_API_HOST: stripe.host,
        STRIPE_API_PORT: String(stripe.port),
        STRIPE_API_PROTOCOL: 'http',
      });
      await setUp(t);
    });
    afterAll(async () => {
      await t.close();
      await stripe.close();
    });

    const stripeInvoiceOf = (invoiceId: string) =>
      [...stripe.state.invoices.values()].find(
        (i: { metadata?: Record<string, string> }) => i.metadata?.invoiceId === invoiceId,
      );

    it('pushes each threshold invoice to Stripe once, and the period invoice with the deduction', async () => {
      const id = await createCustomer(t);
      await putThresholds(t, id, { amounts: ['100.00'] }).expect(201);
      await track(t, id, 's1', 150).expect(201);
      await settle(t);
      const [invoice] = await thresholdInvoicesOf(t, id);
      expect(invoice).toMatchObject({ status: 'open', total: '150.00' });
      expect(invoice.provider?.invoiceId).toMatch(/^in_/);
      const pushed = stripeInvoiceOf(invoice.id);
      expect(pushed.total).toBe(15000);
      expect(pushed.status).toBe('open');

      // A redelivery pushes nothing more.
      await t.app.get(BillingThresholdsService).evaluate(id, PERIOD);
      expect(
        [...stripe.state.invoices.values()].filter(
          (i: { metadata?: Record<string, string> }) => i.metadata?.customerId === id,
        ),
      ).toHaveLength(1);

      await track(t, id, 's2', 20).expect(201);
      const final = await closePeriod(t, id);
      expect(final).toMatchObject({ total: '30.00', amountDue: '30.00', status: 'open' });
      expect(stripeInvoiceOf(final.id).total).toBe(3000);
    });

    it('opens a threshold invoice whose push failed at the next check, pushed once', async () => {
      const id = await createCustomer(t);
      await putThresholds(t, id, { amounts: ['100.00'] }).expect(201);
      // The three tries of one Stripe call fail: the invoice is left a draft, the check retried.
      const before = stripe.requests.length;
      stripe.faults.failNext(3, 500);
      await track(t, id, 'f1', 120).expect(201);
      await settle(t);
      // Every injected failure was met (one push failed), and then it went through.
      const faults = stripe.requests.slice(before).filter((r) => r.outcome === 'fault');
      expect(faults).toHaveLength(3);
      const invoices = await thresholdInvoicesOf(t, id);
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({ status: 'open', total: '120.00' });
      expect(stripeInvoiceOf(invoices[0].id).total).toBe(12000);
      expect(
        [...stripe.state.invoices.values()].filter(
          (i: { metadata?: Record<string, string> }) => i.metadata?.customerId === id,
        ),
      ).toHaveLength(1);
    });
  });
});
