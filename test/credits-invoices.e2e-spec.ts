import { Injectable, Module } from '@nestjs/common';
import { Clock } from '../src/common/time/clock';
import { CreditsReversalSubscriber } from '../src/credits/credits-reversal.subscriber';
import {
  type BillingEventFor,
  BillingEventSubscriber,
  BillingEventSubscriptions,
  type BillingEventType,
  OutboxRelay,
} from '../src/events';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import { CreditsScenario } from './support/credits';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Prepaid credits on real invoices: drafts preview the drawdown, finalizing commits it with the
 * invoice, Stripe receives the credit lines (its total is our amountDue), an invoice paid in
 * full by credits is settled at once, and voiding an invoice gives the credits back, once.
 */

const CREDIT_EVENTS: BillingEventType[] = [
  'billing.credits.granted',
  'billing.credits.applied',
  'billing.credits.voided',
  'billing.credits.reversed',
];

/** Records the credit events each app commits (in-process subscriber, so exactly what was stored). */
function recorderModule(received: BillingEventFor<BillingEventType>[]) {
  @Injectable()
  class CreditEventRecorder extends BillingEventSubscriber {
    readonly name = 'credit-event-recorder';
    readonly eventTypes = CREDIT_EVENTS;
    async handle(event: BillingEventFor<BillingEventType>) {
      received.push(event);
    }
  }
  @Module({ providers: [CreditEventRecorder] })
  class CreditEventRecorderModule {}
  return CreditEventRecorderModule;
}

const NOVEMBER_USAGE = '2026-11-02T10:00:00Z';
const DURING = '2026-11-20T12:00:00Z';
const AFTER = '2026-12-01T00:05:00Z';

describe('Prepaid credits on invoices (e2e)', () => {
  const clock = new FakeClock(DURING);
  beforeEach(() => clock.set(DURING));

  /** Every committed event handed to the subscribers (the reversal among them). */
  const settle = async (t: TestApp) => {
    expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
    expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
  };

  /** A customer on a 0.10/unit plan with a 5.00 base fee, and `units` used on 2 November. */
  async function customerWithUsage(s: CreditsScenario, id: string, units: number) {
    await s.customer(id, 'metered').expect(201);
    await s.usage(id, units, NOVEMBER_USAGE).expect(201);
  }

  describe('without Stripe', () => {
    let t: TestApp;
    let s: CreditsScenario;
    const events: BillingEventFor<BillingEventType>[] = [];

    beforeAll(async () => {
      t = await startTestApp({
        env: { CREDITS_EXPIRY_SWEEP_SECONDS: '0' },
        overrides: [[Clock, clock]],
        imports: [recorderModule(events)],
      });
      s = new CreditsScenario(t);
      await s.plan('metered', { unitAmount: '0.10', baseFee: '5.00' }).expect(201);
    });
    afterAll(() => t.close());

    it('previews on drafts, commits on finalize: an invoice paid partly by credits', async () => {
      await customerWithUsage(s, 'part', 200); // 20.00 + 5.00 base fee
      await s
        .grant('part', {
          grantId: 'promo',
          kind: 'promotional',
          amount: '10.00',
          effectiveAt: '2026-11-01',
        })
        .expect(201);

      const draft = await s.invoice('part', '2026-11').expect(201);
      expect(draft.body).toMatchObject({ total: '25.00', credits: '10.00', amountDue: '15.00' });
      expect(draft.body.lines.at(-1)).toMatchObject({
        id: 'credits-1',
        kind: 'credit',
        amount: '-10.00',
        reference: 'promo',
        description: 'Prepaid credit (promotional, grant promo)',
      });
      // A draft only previews: nothing was taken from the grant.
      expect((await s.ledger('part')).body.data).toHaveLength(1);
      expect((await s.balance('part')).body).toMatchObject({
        available: '10.00',
        pendingSpend: '10.00',
      });

      clock.set(AFTER);
      const final = await s.finalize('inv_part_2026-11').expect(200);
      expect(final.body).toMatchObject({
        status: 'open',
        total: '25.00',
        credits: '10.00',
        amountDue: '15.00',
      });
      const ledger = await s.ledger('part').expect(200);
      expect(ledger.body.data[0]).toMatchObject({
        seq: 2,
        type: 'applied',
        amount: '-10.00',
        balanceAfter: '0.00',
        invoiceId: 'inv_part_2026-11',
        grants: [{ grantId: 'promo', amount: '-10.00' }],
        actor: { type: 'api_key', name: 'ops' },
        at: AFTER.replace('Z', '.000Z'),
      });
      expect((await s.getGrant('part', 'promo')).body).toMatchObject({
        remaining: '0.00',
        status: 'depleted',
      });
      expect((await s.balance('part')).body).toMatchObject({
        available: '0.00',
        pendingSpend: '0.00',
        grants: [],
      });
    });

    it('settles an invoice paid fully by credits at once, drawing grants in order', async () => {
      await customerWithUsage(s, 'full', 200); // 25.00
      const grant = (grantId: string, amount: string, extra: Record<string, unknown> = {}) =>
        s.grant('full', { grantId, amount, effectiveAt: '2026-11-01', ...extra }).expect(201);
      await grant('no-expiry', '100.00');
      await grant('soon', '8.00', { expiresAt: '2027-01-01' });
      await grant('first', '12.00', { priority: 1 });
      await s.invoice('full', '2026-11').expect(201);
      clock.set(AFTER);
      const final = await s.finalize('inv_full_2026-11').expect(200);
      expect(final.body).toMatchObject({
        status: 'paid',
        total: '25.00',
        credits: '25.00',
        amountDue: '0.00',
      });
      expect(
        final.body.lines
          .filter((l: { kind: string }) => l.kind === 'credit')
          .map((l: { reference: string; amount: string }) => [l.reference, l.amount]),
      ).toEqual([
        ['first', '-12.00'],
        ['soon', '-8.00'],
        ['no-expiry', '-5.00'],
      ]);
      expect((await s.balance('full')).body.available).toBe('95.00');
      await settle(t);
      const applied = events.filter(
        (e) => e.type === 'billing.credits.applied' && e.customerId === 'full',
      );
      expect(applied.map((e) => e.data)).toEqual([
        {
          invoiceId: 'inv_full_2026-11',
          currency: 'USD',
          amount: '25.00',
          grants: [
            { grantId: 'first', amount: '12.00' },
            { grantId: 'soon', amount: '8.00' },
            { grantId: 'no-expiry', amount: '5.00' },
          ],
          balanceAfter: '95.00',
        },
      ]);
    });

    it('gives the credits back once when the invoice is voided', async () => {
      await customerWithUsage(s, 'rev', 200); // 25.00
      await s
        .grant('rev', { grantId: 'g', amount: '10.00', effectiveAt: '2026-11-01' })
        .expect(201);
      await s.invoice('rev', '2026-11').expect(201);
      clock.set(AFTER);
      await s.finalize('inv_rev_2026-11').expect(200);
      await s.voidInvoice('inv_rev_2026-11').expect(200);
      await settle(t);

      const ledger = await s.ledger('rev').expect(200);
      expect(ledger.body.data.map((e: { type: string }) => e.type)).toEqual([
        'reversed',
        'applied',
        'grant',
      ]);
      expect(ledger.body.data[0]).toMatchObject({
        amount: '10.00',
        balanceAfter: '10.00',
        invoiceId: 'inv_rev_2026-11',
        grants: [{ grantId: 'g', amount: '10.00' }],
        actor: { type: 'system' },
      });
      expect((await s.getGrant('rev', 'g')).body).toMatchObject({
        remaining: '10.00',
        status: 'active',
      });
      // A redelivered event gives nothing more.
      expect(await t.app.get(CreditsReversalSubscriber).reverse('rev', 'inv_rev_2026-11')).toBe(
        false,
      );
      expect((await s.ledger('rev')).body.data).toHaveLength(3);
      expect((await s.balance('rev')).body.available).toBe('10.00');
      await settle(t);
      expect(
        events
          .filter((e) => e.type === 'billing.credits.reversed' && e.customerId === 'rev')
          .map((e) => e.data),
      ).toEqual([
        {
          invoiceId: 'inv_rev_2026-11',
          currency: 'USD',
          amount: '10.00',
          grants: [{ grantId: 'g', amount: '10.00' }],
          balanceAfter: '10.00',
        },
      ]);
    });

    it('returns reversed credit to a voided grant and voids it again in the same change', async () => {
      await customerWithUsage(s, 'rev-void', 200); // 20.00 usage + 5.00 base fee
      // In force for the first half: pays the usage (all on 2 November) and half the base fee.
      await s
        .grant('rev-void', {
          grantId: 'g',
          amount: '40.00',
          effectiveAt: '2026-11-01',
          expiresAt: '2026-11-16',
        })
        .expect(201);
      await s.invoice('rev-void', '2026-11').expect(201);
      clock.set(AFTER);
      const final = await s.finalize('inv_rev-void_2026-11').expect(200);
      expect(final.body).toMatchObject({ status: 'open', credits: '22.50', amountDue: '2.50' });
      await s.voidGrant('rev-void', 'g').expect(200); // voids the 17.50 left
      await s.voidInvoice('inv_rev-void_2026-11').expect(200);
      await settle(t);

      const ledger = await s.ledger('rev-void').expect(200);
      expect(
        ledger.body.data.map((e: { type: string; amount: string; balanceAfter: string }) => [
          e.type,
          e.amount,
          e.balanceAfter,
        ]),
      ).toEqual([
        ['voided', '-22.50', '0.00'],
        ['reversed', '22.50', '22.50'],
        ['voided', '-17.50', '0.00'],
        ['applied', '-22.50', '17.50'],
        ['grant', '40.00', '40.00'],
      ]);
      expect((await s.getGrant('rev-void', 'g')).body).toMatchObject({
        remaining: '0.00',
        status: 'voided',
      });
      expect((await s.balance('rev-void')).body.available).toBe('0.00');
    });

    it('never spends the same credit on two invoices finalized at once', async () => {
      await s.customer('race', 'metered').expect(201);
      await s.usage('race', 200, '2026-10-20T10:00:00Z').expect(201); // October: 25.00
      await s.usage('race', 200, NOVEMBER_USAGE).expect(201); // November: 25.00
      await s
        .grant('race', { grantId: 'g', amount: '30.00', effectiveAt: '2026-10-01' })
        .expect(201);
      await s.invoice('race', '2026-10').expect(201);
      await s.invoice('race', '2026-11').expect(201);
      clock.set(AFTER);
      const [october, november] = await Promise.all([
        s.finalize('inv_race_2026-10').expect(200),
        s.finalize('inv_race_2026-11').expect(200),
      ]);
      // Whichever committed first took 25.00; the other was built again on what was left.
      expect([october.body.credits, november.body.credits].sort()).toEqual(['25.00', '5.00']);
      expect((await s.balance('race')).body.available).toBe('0.00');
      const ledger = await s.ledger('race');
      expect(ledger.body.data.map((e: { balanceAfter: string }) => e.balanceAfter)).toEqual([
        '0.00',
        '5.00',
        '30.00',
      ]);
    });
  });

  describe('in a billing run', () => {
    let t: TestApp;
    let s: CreditsScenario;

    beforeAll(async () => {
      t = await startTestApp({
        env: { CREDITS_EXPIRY_SWEEP_SECONDS: '0' },
        overrides: [[Clock, clock]],
      });
      s = new CreditsScenario(t);
      clock.set(DURING);
      await s.plan('metered', { unitAmount: '0.10', baseFee: '5.00' }).expect(201);
    });
    afterAll(() => t.close());

    it('draws credits down on the invoices a run finalizes, and only on those with credits', async () => {
      await customerWithUsage(s, 'run-credit', 200); // 25.00
      await customerWithUsage(s, 'run-plain', 100); // 15.00
      await s
        .grant('run-credit', { grantId: 'g', amount: '20.00', effectiveAt: '2026-11-01' })
        .expect(201);
      clock.set(AFTER);
      await t.http.post('/v1/billing-runs').set(t.auth()).send({ period: '2026-11' }).expect(202);
      const deadline = Date.now() + 20_000;
      let run: { status: string; counts?: unknown };
      do {
        await new Promise((r) => setTimeout(r, 25));
        run = (await t.http.get('/v1/billing-runs/2026-11').set(t.auth('read')).expect(200)).body;
      } while (run.status === 'running' && Date.now() < deadline);
      expect(run.status).toBe('completed');

      const credited = await t.http.get('/v1/invoices/inv_run-credit_2026-11').set(t.auth('read'));
      expect(credited.body).toMatchObject({
        status: 'open',
        total: '25.00',
        credits: '20.00',
        amountDue: '5.00',
      });
      const plain = await t.http.get('/v1/invoices/inv_run-plain_2026-11').set(t.auth('read'));
      expect(plain.body).toMatchObject({ status: 'open', credits: '0.00', amountDue: '15.00' });
      expect((await s.ledger('run-credit')).body.data[0]).toMatchObject({
        type: 'applied',
        amount: '-20.00',
        invoiceId: 'inv_run-credit_2026-11',
        // The run was started through the API: its key is who applied the credit.
        actor: { type: 'api_key', name: 'ops' },
      });
      expect((await s.balance('run-credit')).body.available).toBe('0.00');
    });
  });

  describe('with Stripe', () => {
    let t: TestApp;
    let s: CreditsScenario;
    let stripe: FakeStripe;

    beforeAll(async () => {
      stripe = await startFakeStripe();
      t = await startTestApp({
        env: {
          CREDITS_EXPIRY_SWEEP_SECONDS: '0',
          STRIPE_SECRET_KEY: 'sk_test_credits',
          STRIPE_API_HOST: stripe.host,
          STRIPE_API_PORT: String(stripe.port),
          STRIPE_API_PROTOCOL: 'http',
        },
        overrides: [[Clock, clock]],
      });
      s = new CreditsScenario(t);
      clock.set(DURING);
      await s.plan('metered', { unitAmount: '0.10', baseFee: '5.00' }).expect(201);
    });
    afterAll(async () => {
      await t.close();
      await stripe.close();
    });

    const stripeInvoicesOf = (customerId: string) =>
      [...stripe.state.invoices.values()].filter((i) => i.metadata?.customerId === customerId);

    it('sends the credit lines, so the Stripe total is our amountDue', async () => {
      await customerWithUsage(s, 's-part', 200); // 25.00
      await s
        .grant('s-part', { grantId: 'g', amount: '7.35', effectiveAt: '2026-11-01' })
        .expect(201);
      await s.invoice('s-part', '2026-11').expect(201);
      clock.set(AFTER);
      const final = await s.finalize('inv_s-part_2026-11').expect(200);
      expect(final.body).toMatchObject({ status: 'open', credits: '7.35', amountDue: '17.65' });
      expect(final.body.provider?.invoiceId).toMatch(/^in_/);
      const [pushed] = stripeInvoicesOf('s-part');
      expect(pushed.total).toBe(1765);
      expect(pushed.amount_due).toBe(1765);
      expect((await s.balance('s-part')).body.available).toBe('0.00');
    });

    it('settles an invoice paid fully by credits without a Stripe invoice', async () => {
      await customerWithUsage(s, 's-full', 200); // 25.00
      await s
        .grant('s-full', { grantId: 'g', amount: '30.00', effectiveAt: '2026-11-01' })
        .expect(201);
      await s.invoice('s-full', '2026-11').expect(201);
      clock.set(AFTER);
      const final = await s.finalize('inv_s-full_2026-11').expect(200);
      expect(final.body).toMatchObject({ status: 'paid', credits: '25.00', amountDue: '0.00' });
      expect(stripeInvoicesOf('s-full')).toEqual([]);
      expect((await s.balance('s-full')).body.available).toBe('5.00');
    });
  });
});
