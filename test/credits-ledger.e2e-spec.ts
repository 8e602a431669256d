import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { Dec, type Decimal, ZERO, sumDecimals } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import type { LedgerEntry } from '../src/credits/credit.model';
import { CreditExpiry } from '../src/credits/credit-expiry';
import { CreditsInvoiceAdjuster } from '../src/credits/credits-invoice-adjuster';
import { CreditsRepository } from '../src/credits/credits.repository';
import { CreditsReversalSubscriber } from '../src/credits/credits-reversal.subscriber';
import { CreditsService } from '../src/credits/credits.service';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { CreditsScenario } from './support/credits';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Property, against the real store through the module's own services: whatever sequence of
 * grants, invoice drawdowns (the adjuster's items written as billing writes them), voids,
 * expiry sweeps and reversals runs — several at once — every customer's ledger stays exact:
 *
 *   balance = Σ granted − Σ applied − Σ expired − Σ voided + Σ reversed = Σ grants' remaining,
 *   every remaining ≥ 0, and each entry's balanceAfter is the previous one's plus its amount.
 */

const CUSTOMERS = ['a', 'b'] as const;
const START = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;

type Op =
  | {
      kind: 'grant';
      customer: number;
      cents: number;
      priority: number;
      from: number;
      days?: number;
    }
  | { kind: 'apply'; customer: number; cents: number; period: number }
  | { kind: 'void'; customer: number; pick: number }
  | { kind: 'reverse'; customer: number; pick: number }
  | { kind: 'sweep' };

const customer = fc.integer({ min: 0, max: CUSTOMERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    customer,
    cents: fc.integer({ min: 1, max: 50_000 }),
    priority: fc.integer({ min: 1, max: 3 }),
    from: fc.integer({ min: -10, max: 40 }),
    days: fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('apply' as const),
    customer,
    cents: fc.integer({ min: 1, max: 40_000 }),
    period: fc.integer({ min: 0, max: 1 }),
  }),
  fc.record({ kind: fc.constant('void' as const), customer, pick: fc.nat() }),
  fc.record({ kind: fc.constant('reverse' as const), customer, pick: fc.nat() }),
  fc.record({ kind: fc.constant('sweep' as const) }),
);
/** Steps run one after the other; the ops of a step run at once. */
const scenario = fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), {
  minLength: 4,
  maxLength: 10,
});

describe('Prepaid credits: the ledger always adds up (e2e, property)', () => {
  let t: TestApp;
  const clock = new FakeClock(new Date(START));
  let run = 0;
  /** Entries of each type seen over all runs: the property must have exercised every one. */
  const seen = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({
      env: { CREDITS_EXPIRY_SWEEP_SECONDS: '0', CREDITS_EXPIRY_GRACE_HOURS: '24' },
      overrides: [[Clock, clock]],
    });
    clock.set(new Date(START));
    await new CreditsScenario(t).plan('metered').expect(201);
  });
  afterAll(() => t.close());

  async function allEntries(customerId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.app.get(CreditsService).ledgerPage(customerId, 100, cursor);
      entries.push(...page.entries);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return entries.reverse();
  }

  it('keeps balance = Σ granted − applied − expired − voided + reversed', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (steps) => {
        run += 1;
        clock.set(new Date(START));
        const ids = CUSTOMERS.map((c) => `pl${run}-${c}`);
        for (const id of ids) await new CreditsScenario(t).customer(id, 'metered').expect(201);
        const grants: string[][] = ids.map(() => []);
        const invoices: string[][] = ids.map(() => []);
        let invoiceSeq = 0;

        const perform = async (o: Op): Promise<void> => {
          if (o.kind === 'sweep') {
            await t.app.get(CreditExpiry).sweep();
            return;
          }
          const customerId = ids[o.customer];
          if (o.kind === 'grant') {
            const from = new Date(START + o.from * DAY);
            const { grant } = await t.app.get(CreditsService).grant(customerId, {
              amount: new Dec(o.cents).dividedBy(100).toFixed(2),
              kind: 'purchased',
              priority: o.priority,
              effectiveAt: from.toISOString(),
              expiresAt:
                o.days === undefined
                  ? undefined
                  : new Date(from.getTime() + o.days * DAY).toISOString(),
            });
            grants[o.customer].push(grant.grantId);
          } else if (o.kind === 'apply') {
            const invoiceId = `inv-${customerId}-${(invoiceSeq += 1)}`;
            const amount = new Dec(o.cents).dividedBy(100).toFixed(2);
            const adjustment = await t.app.get(CreditsInvoiceAdjuster).adjust({
              invoiceId,
              number: `INV-${invoiceSeq}`,
              customerId,
              period: o.period === 0 ? '2026-11' : '2026-12',
              billingReason: 'period',
              currency: 'USD',
              lines: [{ id: 'L1', kind: 'usage', description: 'usage', amount }],
              total: amount,
              amountDue: amount,
              at: clock.now().toISOString(),
              finalizing: true,
            });
            if (adjustment.items.length === 0) return;
            const db = t.app.get(DynamoDatabase);
            // As billing does: the items go into one transaction, which may lose a race.
            const written = await db.doc
              .send(new TransactWriteCommand({ TransactItems: adjustment.items }))
              .then(
                () => true,
                () => false,
              );
            if (written) invoices[o.customer].push(invoiceId);
          } else if (o.kind === 'void') {
            const list = grants[o.customer];
            if (list.length > 0) {
              await t.app.get(CreditsService).void(customerId, list[o.pick % list.length]);
            }
          } else {
            const list = invoices[o.customer];
            if (list.length > 0) {
              await t.app
                .get(CreditsReversalSubscriber)
                .reverse(customerId, list[o.pick % list.length]);
            }
          }
        };

        for (const step of steps) {
          await Promise.all(step.map(perform));
          clock.advance(4 * DAY);
        }
        clock.advance(150 * DAY);
        await t.app.get(CreditExpiry).sweep();

        for (const customerId of ids) {
          const entries = await allEntries(customerId);
          const { grants: stored, balance } = await t.app
            .get(CreditsRepository)
            .getState(customerId);
          let previous: Decimal = ZERO;
          entries.forEach((entry, i) => {
            seen.set(entry.type, (seen.get(entry.type) ?? 0) + 1);
            expect(entry.seq).toBe(i + 1);
            previous = previous.plus(entry.amount);
            expect(entry.balanceAfter).toBe(previous.toFixed(2));
            expect(sumDecimals(entry.grants.map((g) => new Dec(g.amount))).toFixed(2)).toBe(
              entry.amount,
            );
          });
          const total = (type: LedgerEntry['type']) =>
            sumDecimals(entries.filter((e) => e.type === type).map((e) => new Dec(e.amount).abs()));
          const expected = total('grant')
            .minus(total('applied'))
            .minus(total('expired'))
            .minus(total('voided'))
            .plus(total('reversed'));
          const available = new Dec(balance?.available ?? 0);
          expect(available.toFixed(2)).toBe(expected.toFixed(2));
          expect(available.toFixed(2)).toBe(previous.toFixed(2));
          expect(balance?.seq ?? 0).toBe(entries.length);
          expect(sumDecimals(stored.map((g) => new Dec(g.remaining))).toFixed(2)).toBe(
            available.toFixed(2),
          );
          for (const g of stored) {
            expect(new Dec(g.remaining).gte(0)).toBe(true);
            expect(new Dec(g.remaining).lte(g.amount)).toBe(true);
          }
          expect(total('grant').toFixed(2)).toBe(
            sumDecimals(stored.map((g) => new Dec(g.amount))).toFixed(2),
          );
          // Long after every expiry, no expiring grant holds credit.
          for (const g of stored.filter((g) => g.expiresAt !== null && !g.voidedAt)) {
            expect(g.remaining).toBe('0.00');
          }
        }
      }),
      { seed: 20_261_115, numRuns: 25 },
    );
    const types = ['grant', 'applied', 'expired', 'voided', 'reversed'];
    expect(types.filter((type) => !seen.get(type))).toEqual([]);
  }, 240_000);
});
