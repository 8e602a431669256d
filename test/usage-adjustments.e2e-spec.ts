import { Clock } from '../src/common/time/clock';
import { BillingEventSubscriptions, OutboxRelay } from '../src/events';
import { UsageCorrectionsService } from '../src/usage/usage-corrections.service';
import { FakeClock } from './support/fake-clock';
import { type TestApp, startTestApp } from './support/test-app';

/** 0.10 a call up to 100 calls, 0.05 beyond; a 2.00 base fee. */
const TIERED = {
  id: 'tiered-adj',
  name: 'Tiered',
  currency: 'USD',
  baseFee: '2.00',
  minimumCharge: '0',
  charges: [
    {
      id: 'calls',
      endpoint: '*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 100, unitAmount: '0.10' },
        { upTo: null, unitAmount: '0.05' },
      ],
    },
  ],
};

describe('Corrections of invoiced usage on the next invoice (e2e)', () => {
  const clock = new FakeClock('2026-01-15T00:00:00Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    await t.http.post('/v1/plans').set(t.auth()).send(TIERED).expect(201);
  });
  afterAll(() => t.close());

  /** A customer with `units` calls in February (one event `feb`), February invoiced. */
  async function invoicedFebruary(id: string, units: number) {
    clock.set('2026-02-01T00:00:00Z');
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: TIERED.id })
      .expect(201);
    clock.set('2026-02-10T12:00:00Z');
    await t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({
        customerId: id,
        endpoint: '/api/x',
        quantity: units,
        eventId: 'feb',
        timestamp: '2026-02-10T10:00:00Z',
      })
      .expect(201);
    clock.set('2026-03-01T00:10:00Z');
    const draft = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: id, period: '2026-02' })
      .expect(201);
    return (await t.http.post(`/v1/invoices/${draft.body.id}/finalize`).set(t.auth()).expect(200))
      .body as { total: string };
  }
  const amend = (id: string, quantity: number) =>
    t.http
      .post(`/v1/customers/${id}/usage/feb/amend`)
      .set(t.auth())
      .send({ quantity, reason: 'the client double-counted' });
  const marchDraft = async (id: string) => {
    clock.set('2026-03-15T00:00:00Z');
    return (
      await t.http
        .post('/v1/invoices')
        .set(t.auth())
        .send({ customerId: id, period: '2026-03' })
        .expect(201)
    ).body as {
      id: string;
      total: string;
      lines: { kind: string; description: string; amount: string }[];
    };
  };
  const pending = (id: string) => t.app.get(UsageCorrectionsService).pendingAdjustments(id);

  it('charges the re-priced period minus what was invoiced, not the event alone', async () => {
    const february = await invoicedFebruary('adj-up', 90);
    expect(february.total).toBe('11.00'); // 90 × 0.10 + 2.00
    clock.set('2026-03-05T00:00:00Z');
    await amend('adj-up', 110).expect(201);
    // Re-priced: 100 × 0.10 + 10 × 0.05 + 2.00 = 12.50; the 20 extra calls alone at the first
    // tier's rate would have been 2.00.
    const draft = await marchDraft('adj-up');
    const adjustment = draft.lines.filter((l) => l.kind === 'adjustment');
    expect(adjustment).toEqual([
      expect.objectContaining({ description: 'Adjustment for 2026-02', amount: '1.50' }),
    ]);
    expect(draft.total).toBe('3.50'); // March's base fee, and the adjustment

    clock.set('2026-04-01T00:10:00Z');
    const final = await t.http.post(`/v1/invoices/${draft.id}/finalize`).set(t.auth()).expect(200);
    expect(final.body.lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'adjustment', amount: '1.50' })]),
    );
    expect(await pending('adj-up')).toEqual([]);
    // Settled: April's invoice carries nothing for February.
    const april = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'adj-up', period: '2026-04' })
      .expect(201);
    expect(april.body.lines.some((l: { kind: string }) => l.kind === 'adjustment')).toBe(false);
  });

  it('nets two corrections of one period into one adjustment', async () => {
    await invoicedFebruary('adj-net', 50);
    clock.set('2026-03-05T00:00:00Z');
    await amend('adj-net', 80).expect(201);
    await amend('adj-net', 70).expect(201);
    expect(await pending('adj-net')).toEqual([{ period: '2026-02', version: 2 }]);
    const draft = await marchDraft('adj-net');
    expect(draft.lines.filter((l) => l.kind === 'adjustment')).toEqual([
      expect.objectContaining({ amount: '2.00' }), // (70 − 50) × 0.10
    ]);
  });

  it('charges a correction made after the next invoice was finalized on the one after', async () => {
    await invoicedFebruary('adj-late', 10);
    const march = await marchDraft('adj-late');
    clock.set('2026-04-01T00:10:00Z');
    await t.http.post(`/v1/invoices/${march.id}/finalize`).set(t.auth()).expect(200);
    await amend('adj-late', 30).expect(201);
    clock.set('2026-04-10T00:00:00Z');
    const april = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'adj-late', period: '2026-04' })
      .expect(201);
    expect(april.body.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ description: 'Adjustment for 2026-02', amount: '2.00' }),
      ]),
    );
  });

  const settle = async () => {
    expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
    expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
  };

  it('settles a correction that lowers an invoiced period at once, with a credit note', async () => {
    // 150 calls: 100 × 0.10 + 50 × 0.05 + 2.00 = 14.50, open.
    const february = await invoicedFebruary('adj-down', 150);
    expect(february.total).toBe('14.50');
    clock.set('2026-03-05T00:00:00Z');
    await amend('adj-down', 100).expect(201); // re-priced: 10.00 + 2.00 = 12.00
    await settle();
    const invoiceId = 'inv_adj-down_2026-02';
    const notes = await t.http
      .get(`/v1/invoices/${invoiceId}/credit-notes`)
      .set(t.auth('read'))
      .expect(200);
    expect(notes.body.data).toHaveLength(1);
    expect(notes.body.data[0]).toMatchObject({ total: '2.50', reason: 'other' });
    const invoice = await t.http.get(`/v1/invoices/${invoiceId}`).set(t.auth('read')).expect(200);
    expect(invoice.body).toMatchObject({ total: '14.50', amountDue: '12.00' });
    expect(await pending('adj-down')).toEqual([]);
    // Handled again (a redelivery): nothing more.
    await amend('adj-down', 100).expect(200);
    await settle();
    const again = await t.http
      .get(`/v1/invoices/${invoiceId}/credit-notes`)
      .set(t.auth('read'))
      .expect(200);
    expect(again.body.data).toHaveLength(1);
    // March carries no adjustment for February.
    const march = await marchDraft('adj-down');
    expect(march.lines.some((l) => l.kind === 'adjustment')).toBe(false);
  });
});
