import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable, Module } from '@nestjs/common';
import { Clock } from '../src/common/time/clock';
import { DynamoDatabase } from '../src/database/dynamo-database';
import type { TransactItem } from '../src/database/transact-item';
import {
  type BillingEventFor,
  BillingEventSubscriber,
  BillingEventSubscriptions,
  OutboxRelay,
} from '../src/events';
import { UsageCorrectionsService } from '../src/usage/usage-corrections.service';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';
import { NegativeAdjustments } from '../src/adjustments/negative-adjustments.subscriber';

/*
 * Corrections of recorded usage (void, amend): the event is kept, each correction is recorded
 * with it, and the totals that reads, charges, daily limits and credit blocking use move by the
 * difference in the same transaction. In an invoiced period the correction leaves a pending
 * adjustment that billing settles through UsageCorrectionsService.
 */

type Corrected = BillingEventFor<'billing.usage.corrected'>;

/** Records the correction events the app commits (in-process subscriber: what was stored). */
function recorderModule(received: Corrected[]) {
  @Injectable()
  class CorrectionRecorder extends BillingEventSubscriber<'billing.usage.corrected'> {
    readonly name = 'usage-correction-recorder';
    readonly eventTypes = ['billing.usage.corrected'] as const;
    async handle(event: Corrected) {
      received.push(event);
    }
  }
  @Module({ providers: [CorrectionRecorder] })
  class CorrectionRecorderModule {}
  return CorrectionRecorderModule;
}

/**
 * The app settles a correction that lowers an invoiced period at once, from a subscriber (see
 * usage-adjustments.e2e-spec.ts). Here it would race the assertions on pending adjustments
 * (whether it ran between a correction and the next assertion depends on the machine's load),
 * so it is held back: it receives the events and does nothing.
 */
class HeldNegativeAdjustments extends BillingEventSubscriber<'billing.usage.corrected'> {
  readonly name = 'usage-adjustments';
  readonly eventTypes = ['billing.usage.corrected'] as const;
  async handle(): Promise<void> {}
}

const NOW = '2026-03-10T12:00:00Z';
const TODAY = '2026-03-10';

describe('Usage corrections (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock(NOW);
  const events: Corrected[] = [];
  let customers = 0;

  const plan = (id: string, fields: { unitAmount: string; unitsPerDay: number }) =>
    t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id,
        name: id,
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        limits: { unitsPerDay: fields.unitsPerDay },
        charges: [
          {
            id: 'calls',
            endpoint: '*',
            aggregation: 'sum',
            model: 'per_unit',
            unitAmount: fields.unitAmount,
          },
        ],
      })
      .expect(201);
  const createCustomer = async (planId = 'metered') => {
    const id = `corr-${++customers}`;
    await t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
    return id;
  };
  const track = (
    customerId: string,
    eventId: string,
    quantity: number | string,
    extra: { endpoint?: string; timestamp?: string } = {},
  ) =>
    t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({ customerId, endpoint: extra.endpoint ?? '/api/a', quantity, eventId, ...extra });
  const eventPath = (customerId: string, eventId: string) =>
    `/v1/customers/${customerId}/usage/${encodeURIComponent(eventId)}`;
  const voidEvent = (customerId: string, eventId: string, reason = 'sent twice') =>
    t.http
      .post(`${eventPath(customerId, eventId)}/void`)
      .set(t.auth())
      .send({ reason });
  const amend = (
    customerId: string,
    eventId: string,
    quantity: number | string,
    reason = 'wrong size',
  ) =>
    t.http
      .post(`${eventPath(customerId, eventId)}/amend`)
      .set(t.auth())
      .send({ quantity, reason });
  const view = (customerId: string, eventId: string) =>
    t.http.get(eventPath(customerId, eventId)).set(t.auth('read'));
  const usage = async (customerId: string, query: Record<string, string> = {}, fresh = true) => {
    let req = t.http
      .get(`/v1/customers/${customerId}/usage`)
      .query({ from: '2026-02-01', to: '2026-04-01', ...query })
      .set(t.auth('read'));
    if (fresh) req = req.set('Cache-Control', 'no-cache');
    const res = await req.expect(200);
    return res.body as {
      total: string;
      events: number;
      groups: { key: string; quantity: string; events: number }[];
    };
  };
  const charges = async (customerId: string, period = '2026-03') =>
    (
      await t.http
        .get(`/v1/customers/${customerId}/charges?period=${period}`)
        .set(t.auth('read'))
        .expect(200)
    ).body as { total: string };
  const corrections = () => t.app.get(UsageCorrectionsService);
  const transact = (items: TransactItem[]) =>
    t.app.get(DynamoDatabase).doc.send(new TransactWriteCommand({ TransactItems: items }));

  beforeAll(async () => {
    t = await startTestApp({
      overrides: [
        [Clock, clock],
        [NegativeAdjustments, new HeldNegativeAdjustments()],
      ],
      imports: [recorderModule(events)],
    });
    // In force from before February, where the invoiced-period tests record usage.
    clock.set('2026-01-01T00:00:00Z');
    await plan('metered', { unitAmount: '0.10', unitsPerDay: 1_000_000 });
    await plan('tiny', { unitAmount: '0', unitsPerDay: 10 });
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(NOW));

  describe('in an open period', () => {
    it('voids an event: totals, counts and charges lose it at once; again → 200 unchanged', async () => {
      const id = await createCustomer();
      await track(id, 'e-1', 5).expect(201);
      await track(id, 'e-2', 3, { endpoint: '/api/b' }).expect(201);
      expect(await usage(id)).toMatchObject({ total: '8', events: 2 });
      expect((await charges(id)).total).toBe('0.80');

      const voided = await voidEvent(id, 'e-1');
      expect(voided.status).toBe(201);
      expect(voided.body).toMatchObject({
        customerId: id,
        eventId: 'e-1',
        endpoint: '/api/a',
        period: '2026-03',
        originalQuantity: '5',
        quantity: '0',
        voided: true,
        corrections: [
          {
            seq: 1,
            type: 'void',
            previousQuantity: '5',
            quantity: '0',
            delta: '-5',
            reason: 'sent twice',
            actor: { type: 'api_key', name: 'ops' },
            periodClosed: false,
          },
        ],
      });

      expect(await usage(id)).toMatchObject({ total: '3', events: 1 });
      // The voided event's endpoint has no usage left: it is not shown with zeros.
      expect((await usage(id, { groupBy: 'endpoint' })).groups).toEqual([
        { key: '/api/b', quantity: '3', events: 1 },
      ]);
      expect((await charges(id)).total).toBe('0.30');

      const again = await voidEvent(id, 'e-1', 'another reason');
      expect(again.status).toBe(200);
      expect(again.body).toEqual(voided.body);
      expect(await usage(id)).toMatchObject({ total: '3', events: 1 });
      // A day whose every event is voided has no usage.
      await voidEvent(id, 'e-2').expect(201);
      expect(await usage(id, { groupBy: 'day' })).toMatchObject({
        total: '0',
        events: 0,
        groups: [],
      });
    });

    it('amends an event: totals move by the difference; the same amendment again → 200', async () => {
      const id = await createCustomer();
      await track(id, 'a-1', 25).expect(201);
      await track(id, 'a-2', 1).expect(201);

      const amended = await amend(id, 'a-1', '2.50');
      expect(amended.status).toBe(201);
      expect(amended.body).toMatchObject({
        originalQuantity: '25',
        quantity: '2.5',
        voided: false,
        corrections: [{ seq: 1, type: 'amend', previousQuantity: '25', quantity: '2.5' }],
      });
      expect(amended.body.corrections[0].delta).toBe('-22.5');
      expect(await usage(id)).toMatchObject({ total: '3.5', events: 2 });
      expect((await charges(id)).total).toBe('0.35');

      const again = await amend(id, 'a-1', 2.5);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(amended.body);

      // Upwards, then voided: the void takes the amended quantity away.
      await amend(id, 'a-1', 40).expect(201);
      expect(await usage(id)).toMatchObject({ total: '41', events: 2 });
      await voidEvent(id, 'a-1').expect(201);
      expect(await usage(id)).toMatchObject({ total: '1', events: 1 });
      const after = await view(id, 'a-1').expect(200);
      expect(
        after.body.corrections.map((c: { type: string; quantity: string }) => [c.type, c.quantity]),
      ).toEqual([
        ['amend', '2.5'],
        ['amend', '40'],
        ['void', '0'],
      ]);
      // An amended event to 0 still counts as an event (a void removes it).
      await amend(id, 'a-2', 0).expect(201);
      expect(await usage(id)).toMatchObject({ total: '0', events: 1 });
    });

    it('refuses to amend a voided event (409) and quantities ingest would refuse (400)', async () => {
      const id = await createCustomer();
      await track(id, 'r-1', 2).expect(201);
      for (const bad of ['-1', '1e3', '1000000.000001', 1000001, '0.0000001', 'abc', null]) {
        const res = await amend(id, 'r-1', bad as string);
        expect({ bad, status: res.status, error: res.body.error }).toEqual({
          bad,
          status: 400,
          error: 'VALIDATION_FAILED',
        });
        expect(res.body.details.fields[0].field).toBe('quantity');
      }
      const noReason = await t.http
        .post(`${eventPath(id, 'r-1')}/void`)
        .set(t.auth())
        .send({});
      expect(noReason.status).toBe(400);
      expect(noReason.body.details.fields[0].field).toBe('reason');
      expect((await voidEvent(id, 'r-1', '   ')).status).toBe(400);
      expect((await amend(id, 'r-1', '1000000')).status).toBe(201);

      await voidEvent(id, 'r-1').expect(201);
      const refused = await amend(id, 'r-1', 3);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toBe('USAGE_EVENT_VOIDED');
      expect(await usage(id)).toMatchObject({ total: '0', events: 0 });
    });

    it('answers 404 for an unknown customer or event, 400 for what cannot be an event id', async () => {
      const id = await createCustomer();
      await track(id, 'k-1', 1).expect(201);
      for (const res of [
        await voidEvent(id, 'nope'),
        await amend(id, 'nope', 1),
        await view(id, 'nope'),
      ]) {
        expect([res.status, res.body.error]).toEqual([404, 'USAGE_EVENT_NOT_FOUND']);
      }
      for (const res of [
        await voidEvent('corr-nobody', 'k-1'),
        await amend('corr-nobody', 'k-1', 1),
        await view('corr-nobody', 'k-1'),
      ]) {
        expect([res.status, res.body.error]).toEqual([404, 'CUSTOMER_NOT_FOUND']);
      }
      // Another customer's event is not this customer's.
      const other = await createCustomer();
      expect((await voidEvent(other, 'k-1')).status).toBe(404);
      expect((await view(id, 'x'.repeat(129))).status).toBe(400);
      expect(await usage(id)).toMatchObject({ total: '1', events: 1 });
    });

    it('takes any event id ingest takes (percent-encoded in the path)', async () => {
      const id = await createCustomer();
      const odd = 'ev#1/a?b%c';
      await track(id, odd, 4).expect(201);
      await track(id, 'ev', 1).expect(201);
      const res = await voidEvent(id, odd);
      expect(res.status).toBe(201);
      expect(res.body.eventId).toBe(odd);
      expect((await view(id, 'ev').expect(200)).body.voided).toBe(false);
      expect(await usage(id)).toMatchObject({ total: '1', events: 1 });
      // Its audit record is found by the same id.
      const audit = await t.http
        .get('/v1/audit')
        .query({ entityType: 'usage_event', entityId: `${id}:${odd}` })
        .set(t.auth())
        .expect(200);
      expect(audit.body.data.map((r: { operation: string }) => r.operation)).toEqual([
        'usage.void',
      ]);
    });

    it('applies concurrent identical corrections once, and concurrent different ones in turn', async () => {
      const id = await createCustomer();
      await track(id, 'c-1', 7).expect(201);
      await track(id, 'c-2', 10).expect(201);
      const voids = await Promise.all(Array.from({ length: 6 }, () => voidEvent(id, 'c-1')));
      expect(voids.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect((await view(id, 'c-1')).body.corrections).toHaveLength(1);
      expect(await usage(id)).toMatchObject({ total: '10', events: 1 });

      const amends = await Promise.all(
        ['1', '2', '3', '4', '3', '2'].map((quantity) => amend(id, 'c-2', quantity)),
      );
      expect(amends.every((r) => r.status === 201 || r.status === 200)).toBe(true);
      const final = (await view(id, 'c-2').expect(200)).body as {
        quantity: string;
        corrections: { seq: number; previousQuantity: string; quantity: string }[];
      };
      // Corrections chain (each starts from the one before) and the total is the event's last.
      expect(final.corrections.map((c) => c.seq)).toEqual(final.corrections.map((_, i) => i + 1));
      final.corrections.forEach((c, i) =>
        expect(c.previousQuantity).toBe(i === 0 ? '10' : final.corrections[i - 1].quantity),
      );
      expect(final.corrections.at(-1)!.quantity).toBe(final.quantity);
      expect(await usage(id)).toMatchObject({ total: final.quantity, events: 1 });
    });

    it('gives a day at its limit room after a void; corrections themselves skip the limit', async () => {
      const id = await createCustomer('tiny'); // 10 units a day
      await track(id, 'l-1', 6).expect(201);
      await track(id, 'l-2', 4).expect(201);
      expect((await track(id, 'l-3', 1)).status).toBe(429);

      await voidEvent(id, 'l-2').expect(201);
      await track(id, 'l-3', 4).expect(201);
      expect((await track(id, 'l-4', 1)).status).toBe(429);

      // An amendment past the limit is recorded (it states what the usage was)…
      await amend(id, 'l-1', 20).expect(201);
      expect((await usage(id, { groupBy: 'day' })).groups).toEqual([
        { key: TODAY, quantity: '24', events: 2 },
      ]);
      // …and the limit holds against the corrected total.
      expect((await track(id, 'l-5', '0.5')).status).toBe(429);
      await amend(id, 'l-1', 5).expect(201);
      await track(id, 'l-5', 1).expect(201);
      expect((await usage(id)).total).toBe('10');
    });

    it('invalidates cached usage reads', async () => {
      const id = await createCustomer();
      await track(id, 'h-1', 2).expect(201);
      await track(id, 'h-2', 3).expect(201);
      expect((await usage(id, {}, false)).total).toBe('5');
      expect((await usage(id, {}, false)).total).toBe('5'); // cached
      await voidEvent(id, 'h-1').expect(201);
      expect((await usage(id, {}, false)).total).toBe('3');
      await amend(id, 'h-2', 1).expect(201);
      expect((await usage(id, {}, false)).total).toBe('1');
    });

    it('keeps the recorded event as its identity: a replay of it is still a duplicate', async () => {
      const id = await createCustomer();
      await track(id, 'i-1', 5).expect(201);
      await amend(id, 'i-1', 2).expect(201);
      const replay = await track(id, 'i-1', 5);
      expect(replay.status).toBe(200);
      expect(replay.body.duplicate).toBe(true);
      expect((await track(id, 'i-1', 2)).status).toBe(409);
      expect(await usage(id)).toMatchObject({ total: '2', events: 1 });
    });

    it('counts the corrected quantity on a partial day (a plan change inside the day)', async () => {
      const id = await createCustomer();
      clock.set('2026-03-10T08:00:00Z');
      await track(id, 'p-1', 10).expect(201);
      await track(id, 'p-2', 20).expect(201);
      await voidEvent(id, 'p-1').expect(201);
      await amend(id, 'p-2', 5).expect(201);
      clock.set('2026-03-10T12:00:00Z');
      await t.http.patch(`/v1/customers/${id}`).set(t.auth()).send({ planId: 'tiny' }).expect(200);
      // The first segment ends at 12:00: its last day is read from the raw events.
      expect((await charges(id)).total).toBe('0.50');
      const partial = await usage(id, { from: '2026-03-10T00:00:00Z', to: '2026-03-10T12:00:00Z' });
      expect(partial).toMatchObject({ total: '5', events: 1 });
    });

    it('frees prepaid credit for a blocked customer when usage is voided', async () => {
      const id = await createCustomer();
      await t.http
        .post(`/v1/customers/${id}/credit-grants`)
        .set(t.auth())
        .send({ amount: '1.00', kind: 'purchased', effectiveAt: '2026-03-01T00:00:00Z' })
        .expect(201);
      await t.http
        .patch(`/v1/customers/${id}`)
        .set(t.auth())
        .send({ creditPolicy: { overdraft: 'block' } })
        .expect(200);
      await track(id, 'b-1', 6).expect(201);
      await track(id, 'b-2', 4).expect(201);
      expect((await track(id, 'b-3', 1)).status).toBe(402);
      await voidEvent(id, 'b-2').expect(201);
      await track(id, 'b-3', 4).expect(201);
      expect((await track(id, 'b-4', 1)).status).toBe(402);
    });

    it('emits billing.usage.corrected through the outbox and audits each correction', async () => {
      const id = await createCustomer();
      await track(id, 'o-1', 3, { timestamp: '2026-03-09T10:00:00Z' }).expect(201);
      await amend(id, 'o-1', '1.5', 'measured again').expect(201);
      await voidEvent(id, 'o-1', 'test traffic').expect(201);
      await voidEvent(id, 'o-1').expect(200); // nothing changed: no event, no audit record

      expect(await t.app.get(OutboxRelay).flush(10_000)).toBe(true);
      expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
      const mine = events
        .filter((e) => e.customerId === id)
        .sort((a, b) => a.data.seq - b.data.seq);
      expect(mine.map((e) => e.data)).toEqual([
        {
          usageEventId: 'o-1',
          correction: 'amend',
          seq: 1,
          endpoint: '/api/a',
          previousQuantity: '3',
          quantity: '1.5',
          delta: '-1.5',
          timestamp: '2026-03-09T10:00:00.000Z',
          period: '2026-03',
          periodClosed: false,
          reason: 'measured again',
        },
        {
          usageEventId: 'o-1',
          correction: 'void',
          seq: 2,
          endpoint: '/api/a',
          previousQuantity: '1.5',
          quantity: '0',
          delta: '-1.5',
          timestamp: '2026-03-09T10:00:00.000Z',
          period: '2026-03',
          periodClosed: false,
          reason: 'test traffic',
        },
      ]);

      const audit = await t.http
        .get('/v1/audit')
        .query({ entityType: 'usage_event', entityId: `${id}:o-1` })
        .set(t.auth())
        .expect(200);
      expect(audit.body.data).toHaveLength(2);
      const byOperation = (operation: string) =>
        (audit.body.data as { operation: string; requestId: string }[]).find(
          (r) => r.operation === operation,
        );
      const [voided, amended] = [byOperation('usage.void'), byOperation('usage.amend')];
      expect(amended).toMatchObject({
        operation: 'usage.amend',
        actor: { type: 'api_key', name: 'ops' },
        before: { quantity: '3', voided: false },
        after: { quantity: '1.5', voided: false, seq: 1, reason: 'measured again' },
      });
      expect(voided).toMatchObject({
        operation: 'usage.void',
        before: { quantity: '1.5', voided: false },
        after: { quantity: '0', voided: true, seq: 2, reason: 'test traffic' },
      });
      // The correction names the request that made it, as the audit record does.
      const corrections = (await view(id, 'o-1')).body.corrections;
      expect(corrections[1].requestId).toBe(voided!.requestId);
    });
  });

  describe('in an invoiced (closed) period', () => {
    const FEBRUARY = '2026-02-12T10:00:00Z';
    const AFTER_FEBRUARY = '2026-03-01T00:10:00Z';

    /** A customer with usage in February, whose February invoice is finalized. */
    async function invoicedCustomer(quantities: number[]) {
      clock.set('2026-02-20T00:00:00Z');
      const id = await createCustomer();
      for (const [i, quantity] of quantities.entries()) {
        await track(id, `f-${i + 1}`, quantity, { timestamp: FEBRUARY }).expect(201);
      }
      const draft = await t.http
        .post('/v1/invoices')
        .set(t.auth())
        .send({ customerId: id, period: '2026-02' })
        .expect(201);
      clock.set(AFTER_FEBRUARY);
      await t.http.post(`/v1/invoices/${draft.body.id}/finalize`).set(t.auth()).expect(200);
      return id;
    }

    it('changes the totals and leaves a pending adjustment, one version per correction', async () => {
      const id = await invoicedCustomer([10, 20]);
      // Usage for the period is refused; a correction is not.
      const late = await track(id, 'f-late', 1, { timestamp: FEBRUARY });
      expect(late.body.error).toBe('PERIOD_CLOSED');
      expect(await corrections().pendingAdjustments(id)).toEqual([]);

      const voided = await voidEvent(id, 'f-1');
      expect(voided.status).toBe(201);
      expect(voided.body.corrections[0]).toMatchObject({ periodClosed: true, delta: '-10' });
      expect((await usage(id, { from: '2026-02-01', to: '2026-03-01' })).total).toBe('20');
      expect((await charges(id, '2026-02')).total).toBe('2.00');
      expect(await corrections().pendingAdjustments(id)).toEqual([
        { period: '2026-02', version: 1 },
      ]);

      // A repeat changes nothing, the adjustment included.
      await voidEvent(id, 'f-1').expect(200);
      await amend(id, 'f-2', 25).expect(201);
      expect((await charges(id, '2026-02')).total).toBe('2.50');
      expect(await corrections().pendingAdjustments(id)).toEqual([
        { period: '2026-02', version: 2 },
      ]);
      // A correction in the open period adds no adjustment.
      await track(id, 'm-1', 1).expect(201);
      await voidEvent(id, 'm-1').expect(201);
      expect(await corrections().pendingAdjustments(id)).toEqual([
        { period: '2026-02', version: 2 },
      ]);
    });

    it('clears the adjustment when billing marks it billed; a later correction makes it pending again', async () => {
      const id = await invoicedCustomer([10, 20]);
      await voidEvent(id, 'f-1').expect(201);
      await amend(id, 'f-2', 5).expect(201);
      const pending = await corrections().pendingAdjustments(id);
      expect(pending).toEqual([{ period: '2026-02', version: 2 }]);

      // Marked at a version that has moved on: the whole transaction fails.
      await expect(
        transact(corrections().markAdjustmentsBilled(id, [{ period: '2026-02', version: 1 }])),
      ).rejects.toBeInstanceOf(TransactionCanceledException);
      expect(await corrections().pendingAdjustments(id)).toEqual(pending);

      await transact(corrections().markAdjustmentsBilled(id, pending));
      expect(await corrections().pendingAdjustments(id)).toEqual([]);
      // The same version cannot be billed twice (a second invoice racing the first).
      await expect(
        transact(corrections().markAdjustmentsBilled(id, pending)),
      ).rejects.toBeInstanceOf(TransactionCanceledException);

      await amend(id, 'f-2', 6).expect(201);
      expect(await corrections().pendingAdjustments(id)).toEqual([
        { period: '2026-02', version: 3 },
      ]);
      expect((await charges(id, '2026-02')).total).toBe('0.60');
    });

    it('fails billing’s transaction when a correction lands between reading and marking', async () => {
      const id = await invoicedCustomer([10]);
      await amend(id, 'f-1', 8).expect(201);
      const read = await corrections().pendingAdjustments(id);
      const items = corrections().markAdjustmentsBilled(id, read);
      await amend(id, 'f-1', 9).expect(201);
      await expect(transact(items)).rejects.toBeInstanceOf(TransactionCanceledException);
      expect(await corrections().pendingAdjustments(id)).toEqual([
        { period: '2026-02', version: 2 },
      ]);
    });
  });
});
