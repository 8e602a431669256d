import { Clock } from '../src/common/time/clock';
import { CreditExpiry } from '../src/credits/credit-expiry';
import { BillingEventSubscriptions, OutboxRelay } from '../src/events';
import { CreditsScenario } from './support/credits';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * A grant expiring mid-period pays its share of the period at the period's invoice (units used
 * inside its window, fees by time, rounded down), and its remainder is written off once, by the
 * sweep, after the end of that period plus the grace — with several sweeps on several instances.
 */
describe('Prepaid credits: expiry (e2e)', () => {
  let t: TestApp;
  let other: TestApp;
  let s: CreditsScenario;
  const clock = new FakeClock('2026-11-01T00:00:00Z');
  const grace = { CREDITS_EXPIRY_GRACE_HOURS: '168', CREDITS_EXPIRY_SWEEP_SECONDS: '0' };

  const settle = async () => {
    expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
    expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
  };
  const sweepBoth = async (at: string) => {
    clock.set(at);
    const counts = await Promise.all([
      t.app.get(CreditExpiry).sweep(),
      t.app.get(CreditExpiry).sweep(),
      other.app.get(CreditExpiry).sweep(),
      other.app.get(CreditExpiry).sweep(),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  };
  const entries = async (customerId: string) =>
    (await s.ledger(customerId).expect(200)).body.data.map(
      (e: { type: string; amount: string; balanceAfter: string }) => [
        e.type,
        e.amount,
        e.balanceAfter,
      ],
    );

  beforeAll(async () => {
    t = await startTestApp({ env: grace, overrides: [[Clock, clock]] });
    // A second instance on the same table.
    other = await startTestApp({ config: t.config, overrides: [[Clock, clock]] });
    s = new CreditsScenario(t);
    await s.plan('metered', { unitAmount: '0.10', baseFee: '3.00' }).expect(201);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('pays the in-window share at the invoice, then writes the remainder off once', async () => {
    clock.set('2026-11-01T00:00:00Z');
    await s.customer('exp', 'metered').expect(201);
    await s
      .grant('exp', {
        grantId: 'mid',
        amount: '100.00',
        effectiveAt: '2026-11-01',
        expiresAt: '2026-11-16',
      })
      .expect(201);
    clock.set('2026-11-20T12:00:00Z');
    await s.usage('exp', 300, '2026-11-05T10:00:00Z').expect(201); // 30.00, inside the window
    await s.usage('exp', 100, '2026-11-20T10:00:00Z').expect(201); // 10.00, after it

    // Expired, but its remainder still pays for November until November is invoiced.
    expect((await s.getGrant('exp', 'mid')).body).toMatchObject({
      status: 'expired',
      remaining: '100.00',
      writtenOffAt: null,
    });
    expect(await sweepBoth('2026-11-20T12:00:00Z')).toBe(0);
    expect((await s.balance('exp')).body).toMatchObject({
      available: '100.00',
      // 40.00 × 300/400 units + 3.00 × 15/30 days
      pendingSpend: '31.50',
    });

    clock.set('2026-12-01T00:05:00Z');
    await s.invoice('exp', '2026-11').expect(201);
    const final = await s.finalize('inv_exp_2026-11').expect(200);
    expect(final.body).toMatchObject({ total: '43.00', credits: '31.50', amountDue: '11.50' });
    expect((await s.getGrant('exp', 'mid')).body.remaining).toBe('68.50');

    // Not before the end of November plus the grace (168 hours).
    expect(await sweepBoth('2026-12-07T23:59:59Z')).toBe(0);
    expect(await sweepBoth('2026-12-08T00:00:00Z')).toBe(1);
    expect(await sweepBoth('2026-12-09T00:00:00Z')).toBe(0);

    expect(await entries('exp')).toEqual([
      ['expired', '-68.50', '0.00'],
      ['applied', '-31.50', '68.50'],
      ['grant', '100.00', '100.00'],
    ]);
    const ledger = await s.ledger('exp');
    expect(ledger.body.data[0]).toMatchObject({
      grantId: 'mid',
      actor: { type: 'system', name: 'system' },
      at: '2026-12-08T00:00:00.000Z',
    });
    expect((await s.getGrant('exp', 'mid')).body).toMatchObject({
      status: 'expired',
      remaining: '0.00',
      writtenOffAt: '2026-12-08T00:00:00.000Z',
    });
    expect((await s.balance('exp')).body).toMatchObject({ available: '0.00', grants: [] });

    // The invoice is voided after the write-off: the credit comes back and is written off again.
    await s.voidInvoice('inv_exp_2026-11').expect(200);
    await settle();
    expect((await entries('exp')).slice(0, 2)).toEqual([
      ['expired', '-31.50', '0.00'],
      ['reversed', '31.50', '31.50'],
    ]);
    expect((await s.getGrant('exp', 'mid')).body.remaining).toBe('0.00');
  });

  it('writes off credit given back before the write-off with the rest, by the sweep', async () => {
    clock.set('2026-11-01T00:00:00Z');
    await s.customer('exp-back', 'metered').expect(201);
    await s
      .grant('exp-back', {
        grantId: 'mid',
        amount: '100.00',
        effectiveAt: '2026-11-01',
        expiresAt: '2026-11-16',
      })
      .expect(201);
    clock.set('2026-11-20T12:00:00Z');
    await s.usage('exp-back', 300, '2026-11-05T10:00:00Z').expect(201);
    clock.set('2026-12-01T00:05:00Z');
    await s.invoice('exp-back', '2026-11').expect(201);
    const final = await s.finalize('inv_exp-back_2026-11').expect(200);
    // 30.00 of usage, all inside the window, and half the 3.00 base fee.
    expect(final.body).toMatchObject({ credits: '31.50', amountDue: '1.50' });

    clock.set('2026-12-02T00:00:00Z');
    await s.voidInvoice('inv_exp-back_2026-11').expect(200);
    await settle();
    expect((await s.getGrant('exp-back', 'mid')).body).toMatchObject({
      status: 'expired',
      remaining: '100.00',
    });
    expect(await sweepBoth('2026-12-08T00:00:00Z')).toBe(1);
    expect(await entries('exp-back')).toEqual([
      ['expired', '-100.00', '0.00'],
      ['reversed', '31.50', '100.00'],
      ['applied', '-31.50', '68.50'],
      ['grant', '100.00', '100.00'],
    ]);
  });
});
