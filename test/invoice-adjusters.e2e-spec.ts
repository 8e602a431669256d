import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable, Module } from '@nestjs/common';
import {
  type InvoiceAdjustment,
  type InvoiceAdjustmentContext,
  InvoiceAdjuster,
  NO_ADJUSTMENT,
} from '../src/billing/invoice-adjuster';
import { Dec, formatMoney } from '../src/common/money';
import { Clock } from '../src/common/time/clock';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { startFakeStripe, type FakeStripe } from './fakes/fake-stripe';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A stand-in for prepaid credits: takes up to `budget` off every invoice, and when finalizing
 * commits a counter (conditioned on the value it read) in the invoice's transaction.
 */
@Injectable()
class VoucherAdjuster extends InvoiceAdjuster {
  readonly name = 'voucher';
  budget = new Dec('0');
  /** Set to make the next finalizing call see its state move before the transaction. */
  raceOnce = false;
  finalizingCalls = 0;

  constructor(private readonly db: DynamoDatabase) {
    super();
  }

  private key(customerId: string) {
    return { pk: `TEST_VOUCHER#${customerId}`, sk: 'COUNTER' };
  }

  async used(customerId: string): Promise<number> {
    const { Item } = await this.db.doc.send(
      new GetCommand({ TableName: this.db.table, Key: this.key(customerId), ConsistentRead: true }),
    );
    return (Item?.n as number | undefined) ?? 0;
  }

  private bump(customerId: string, expected: number) {
    return {
      TableName: this.db.table,
      Key: this.key(customerId),
      UpdateExpression: 'SET n = :next',
      ConditionExpression: 'attribute_not_exists(n) OR n = :expected',
      ExpressionAttributeValues: { ':next': expected + 1, ':expected': expected },
    };
  }

  async adjust(context: InvoiceAdjustmentContext): Promise<InvoiceAdjustment> {
    const take = Dec.min(this.budget, new Dec(context.amountDue));
    if (take.isZero()) return NO_ADJUSTMENT;
    const lines = [
      {
        kind: 'credit' as const,
        description: 'Voucher',
        amount: formatMoney(take.negated(), context.currency),
        reference: 'voucher-1',
      },
    ];
    if (!context.finalizing) return { lines, items: [] };
    this.finalizingCalls++;
    const used = await this.used(context.customerId);
    if (this.raceOnce) {
      this.raceOnce = false;
      await this.db.doc.send(new UpdateCommand(this.bump(context.customerId, used)));
    }
    return { lines, items: [{ Update: this.bump(context.customerId, used) }] };
  }
}

@Module({ providers: [VoucherAdjuster] })
class VoucherModule {}

describe('Invoice adjusters: the seam credits use (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  let voucher: VoucherAdjuster;
  const clock = new FakeClock('2026-02-20T12:00:00Z');

  const setup = async (id: string, units: number) => {
    clock.set('2026-02-20T12:00:00Z');
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'paid' })
      .expect(201);
    // The paid plan allows 10,000 units a day: spread over days.
    for (let day = 10; units > 0; day++, units -= 10_000) {
      await t.http
        .post('/v1/usage')
        .set(t.auth('ingest'))
        .send({
          customerId: id,
          endpoint: '/api/search',
          quantity: Math.min(units, 10_000),
          timestamp: `2026-02-${day}T10:00:00Z`,
        })
        .expect(201);
    }
    const draft = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: id, period: '2026-02' })
      .expect(201);
    return draft.body as Record<string, unknown>;
  };
  const finalize = (invoiceId: string) => {
    clock.set('2026-03-01T00:10:00Z');
    return t.http.post(`/v1/invoices/${invoiceId}/finalize`).set(t.auth());
  };
  const stripeInvoiceOf = (customerId: string) =>
    [...stripe.state.invoices.values()].filter((i) => i.metadata?.customerId === customerId);

  beforeAll(async () => {
    stripe = await startFakeStripe();
    t = await startTestApp({
      env: {
        STRIPE_SECRET_KEY: 'sk_test_adjusters',
        STRIPE_API_HOST: stripe.host,
        STRIPE_API_PORT: String(stripe.port),
        STRIPE_API_PROTOCOL: 'http',
      },
      overrides: [[Clock, clock]],
      imports: [VoucherModule],
    });
    voucher = t.app.get(VoucherAdjuster);
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  it('shows the lines on a draft without writing anything, and commits them with the finalize', async () => {
    voucher.budget = new Dec('20.00');
    // 20,000 units on the paid plan: 1,000 free, 9,000 × 0.01, 10,000 × 0.008 = 170.00.
    const draft = await setup('adj-part', 20_000);
    expect(draft).toMatchObject({ total: '170.00', credits: '20.00', amountDue: '150.00' });
    expect((draft.lines as { kind: string }[]).at(-1)).toMatchObject({
      id: 'voucher-1',
      kind: 'credit',
      amount: '-20.00',
      reference: 'voucher-1',
    });
    expect(await voucher.used('adj-part')).toBe(0);

    const res = await finalize(draft.id as string).expect(200);
    expect(res.body).toMatchObject({ status: 'open', total: '170.00', amountDue: '150.00' });
    expect(await voucher.used('adj-part')).toBe(1);
    const [pushed] = stripeInvoiceOf('adj-part');
    // The provider's invoice carries the credit as a negative item: its total is what is due.
    expect(pushed.amount_due).toBe(15_000);
  });

  it('settles an invoice paid in full at once, without a provider invoice', async () => {
    voucher.budget = new Dec('1000.00');
    const draft = await setup('adj-full', 20_000);
    const res = await finalize(draft.id as string).expect(200);
    expect(res.body).toMatchObject({
      status: 'paid',
      total: '170.00',
      credits: '170.00',
      amountDue: '0.00',
      provider: null,
    });
    expect(stripeInvoiceOf('adj-full')).toHaveLength(0);
    expect(await voucher.used('adj-full')).toBe(1);
  });

  it('builds the invoice again when what the adjuster read moved before the transaction', async () => {
    voucher.budget = new Dec('5.00');
    const draft = await setup('adj-race', 20_000);
    voucher.raceOnce = true;
    voucher.finalizingCalls = 0;
    const res = await finalize(draft.id as string).expect(200);
    expect(res.body).toMatchObject({ status: 'open', amountDue: '165.00' });
    expect(voucher.finalizingCalls).toBe(2);
    // One move by the "other writer", one by the finalize that committed.
    expect(await voucher.used('adj-race')).toBe(2);
  });
});
