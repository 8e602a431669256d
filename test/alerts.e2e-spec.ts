import { Injectable, Module } from '@nestjs/common';
import { AlertEvaluator } from '../src/alerts/alert-evaluator';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { AlertKeys, AlertsRepository } from '../src/alerts/alerts.repository';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { Clock } from '../src/common/time/clock';
import {
  type BillingEventFor,
  BillingEventSubscriber,
  BillingEventSubscriptions,
  OutboxRelay,
} from '../src/events';
import { EventsOptions } from '../src/events/events.options';
import { FakeClock } from './support/fake-clock';
import { type TestApp, startTestApp, testConfig } from './support/test-app';

/*
 * Alerts: thresholds on spend, units and the credit balance that fire billing.alert.triggered
 * once per window (trigger records written conditionally with the event), re-armed by a
 * correction that takes the value back (billing.alert.resolved), and by a new window.
 */

type AlertType = 'billing.alert.triggered' | 'billing.alert.resolved';
type AlertEvent = BillingEventFor<AlertType>;

/** Records the alert events the app commits (one subscriber, shared by every instance). */
function recorderModule(received: AlertEvent[]) {
  @Injectable()
  class AlertRecorder extends BillingEventSubscriber<AlertType> {
    readonly name = 'alert-recorder';
    readonly eventTypes = ['billing.alert.triggered', 'billing.alert.resolved'] as const;
    override readonly retry = { initialMs: 20, maxMs: 100 };
    async handle(event: AlertEvent) {
      received.push(event);
    }
  }
  @Module({ providers: [AlertRecorder] })
  class AlertRecorderModule {}
  return AlertRecorderModule;
}

const fastEvents = () =>
  new EventsOptions({
    pollIntervalMs: 20,
    idlePollIntervalMs: 100,
    retryInitialMs: 20,
    retryMaxMs: 100,
  });

const NOW = '2026-03-10T12:00:00Z';

/** Until usage events, the alerts evaluated after them and the alert events are all delivered. */
async function settle(...apps: TestApp[]) {
  for (let round = 0; round < 3; round++) {
    for (const a of apps) {
      expect(await a.app.get(OutboxRelay).flush(10_000)).toBe(true);
      expect(await a.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);
    }
  }
}

const keyOf = (e: AlertEvent) => `${e.data.alertId}/${e.data.windowId}/${e.data.thresholdIndex}`;

describe('Alerts (e2e)', () => {
  const clock = new FakeClock(NOW);
  const received: AlertEvent[] = [];
  let t: TestApp;
  let customers = 0;

  const start = (config = testConfig(), events = fastEvents()) =>
    startTestApp({
      config,
      overrides: [
        [Clock, clock],
        [EventsOptions, events],
      ],
      imports: [recorderModule(received)],
    });
  const createCustomer = async (app: TestApp = t) => {
    const id = `alert-${++customers}`;
    await app.http
      .post('/v1/customers')
      .set(app.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId: 'metered' })
      .expect(201);
    return id;
  };
  const createAlert = (customerId: string, body: Record<string, unknown>, app: TestApp = t) =>
    app.http.post(`/v1/customers/${customerId}/alerts`).set(app.auth()).send(body);
  const getAlert = (customerId: string, alertId: string) =>
    t.http.get(`/v1/customers/${customerId}/alerts/${alertId}`).set(t.auth('read'));
  const track = (
    customerId: string,
    eventId: string,
    quantity: number,
    app: TestApp = t,
    endpoint = '/api/a',
  ) =>
    app.http
      .post('/v1/usage')
      .set(app.auth('ingest'))
      .send({ customerId, endpoint, quantity, eventId })
      .expect((res) => expect([200, 201, 202]).toContain(res.status));
  /** Usage and credit events the alerts subscriber handled so far (all customers). */
  const handled = async () => {
    const metrics = await t.http.get('/metrics').expect(200);
    const line = metrics.text
      .split('\n')
      .find((l) => l.startsWith('subscriber_events_total{subscriber="alerts",result="handled"}'));
    return Number(line?.split(' ')[1] ?? 0);
  };
  const of = (customerId: string, type?: AlertType) =>
    received.filter((e) => e.customerId === customerId && (!type || e.type === type));

  beforeAll(async () => {
    t = await start();
    await t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id: 'metered',
        name: 'metered',
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        charges: [
          { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount: '1.00' },
        ],
      })
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => clock.set(NOW));

  it('fires every threshold a batch crosses at once, each once, and not again on redelivery', async () => {
    const customerId = await createCustomer();
    await createAlert(customerId, {
      alertId: 'calls',
      metric: 'units',
      window: 'period',
      thresholds: [{ value: '10', code: 'ten' }, { value: '20' }, { value: '30' }, { value: '50' }],
    }).expect(201);
    await createAlert(customerId, {
      alertId: 'spend',
      metric: 'spend',
      window: 'period',
      thresholds: [{ value: '5.00' }],
      recurringEvery: '10.00',
    }).expect(201);

    await t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: [1, 2, 3, 4].map((i) => ({
          customerId,
          endpoint: '/api/a',
          quantity: 10,
          eventId: `batch-${i}`,
        })),
      })
      .expect((res) => expect(res.status).toBeLessThan(300));
    await settle(t);

    const triggered = of(customerId, 'billing.alert.triggered');
    const units = triggered.filter((e) => e.data.alertId === 'calls');
    expect(units.map((e) => e.data.threshold).sort()).toEqual(['10', '20', '30']);
    expect(new Set(units.map(keyOf)).size).toBe(3);
    expect(units.find((e) => e.data.threshold === '10')?.data).toMatchObject({
      metric: 'units',
      window: 'period',
      windowId: '2026-03',
      code: 'ten',
    });
    for (const e of units) expect(e.data.crossedBy).toMatch(/^batch-[1-4]$/);
    // Spend 40.00: 5.00 listed, then 15.00, 25.00, 35.00 recurring.
    const spend = triggered.filter((e) => e.data.alertId === 'spend');
    expect(spend.map((e) => e.data.threshold).sort()).toEqual(['15.00', '25.00', '35.00', '5.00']);

    // A redelivery (or another instance) evaluating again fires nothing more.
    const again = await t.app.get(AlertEvaluator).evaluate({
      customerId,
      eventId: 'batch-4',
      type: 'billing.usage.tracked',
      at: new Date(NOW),
    });
    expect(again).toEqual({ triggered: 0, resolved: 0 });
    // An evaluation that read before the firing was recorded loses on the record's condition.
    const stale = await t.app.get(AlertsRepository).putTrigger(
      customerId,
      {
        triggerId: 'stale',
        alertId: 'calls',
        windowId: '2026-03',
        index: 0,
        threshold: '10',
        value: '40',
        crossedBy: 'batch-4',
        triggeredAt: NOW,
      },
      [],
    );
    expect(stale).toBe(false);
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered')).toHaveLength(7);

    const view = (await getAlert(customerId, 'calls').expect(200)).body as {
      windowId: string;
      thresholds: { value: string; state: string; triggeredAt: string | null }[];
    };
    expect(view.windowId).toBe('2026-03');
    expect(view.thresholds.map((x) => [x.value, x.state])).toEqual([
      ['10', 'triggered'],
      ['20', 'triggered'],
      ['30', 'triggered'],
      ['50', 'armed'],
    ]);
    expect(view.thresholds[0].triggeredAt).toBe(new Date(NOW).toISOString());
    expect(view.thresholds[3].triggeredAt).toBeNull();
  });

  it('fires once per threshold with two instances ingesting concurrently', async () => {
    const b = await start(t.config);
    try {
      const customerId = await createCustomer();
      await createAlert(customerId, {
        alertId: 'shared',
        metric: 'units',
        window: 'period',
        thresholds: [{ value: '5' }, { value: '10' }, { value: '15' }],
      }).expect(201);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          track(customerId, `conc-${i}`, 1, i % 2 === 0 ? t : b),
        ),
      );
      await settle(t, b);
      const triggered = of(customerId, 'billing.alert.triggered');
      expect(triggered.map((e) => e.data.threshold).sort()).toEqual(['10', '15', '5']);
      expect(new Set(triggered.map(keyOf)).size).toBe(3);
    } finally {
      await b.close();
    }
  });

  it('fires once when the instance that took the crossing usage stops before dispatching', async () => {
    const config = testConfig();
    // The first instance commits usage but dispatches nothing (its relay never runs).
    const first = await start(config, new EventsOptions({ autoStart: false }));
    await first.http
      .post('/v1/plans')
      .set(first.auth())
      .send({
        id: 'metered',
        name: 'metered',
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        charges: [],
      })
      .expect(201);
    const customerId = await createCustomer(first);
    await createAlert(
      customerId,
      { alertId: 'restart', metric: 'units', window: 'period', thresholds: [{ value: '3' }] },
      first,
    ).expect(201);
    await track(customerId, 'r1', 2, first);
    await track(customerId, 'r2', 2, first);
    await first.close();
    expect(of(customerId)).toHaveLength(0);

    const second = await start(config);
    try {
      await settle(second);
      expect(of(customerId).map((e) => [e.type, e.data.threshold])).toEqual([
        ['billing.alert.triggered', '3'],
      ]);
    } finally {
      await second.close();
    }
  });

  it('resolves and re-arms a threshold when a correction takes the value back under it', async () => {
    const customerId = await createCustomer();
    await createAlert(customerId, {
      alertId: 'ten',
      metric: 'units',
      window: 'period',
      thresholds: [{ value: '10' }],
    }).expect(201);
    await track(customerId, 'u1', 6);
    await track(customerId, 'u2', 6);
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered')).toHaveLength(1);

    await t.http
      .post(`/v1/customers/${customerId}/usage/u2/void`)
      .set(t.auth())
      .send({ reason: 'sent twice' })
      .expect(201);
    await settle(t);
    const resolved = of(customerId, 'billing.alert.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0].data).toMatchObject({ alertId: 'ten', threshold: '10', value: '6' });
    const armed = (await getAlert(customerId, 'ten').expect(200)).body as {
      thresholds: { state: string }[];
    };
    expect(armed.thresholds[0].state).toBe('armed');

    await track(customerId, 'u3', 5);
    await settle(t);
    const triggered = of(customerId, 'billing.alert.triggered');
    expect(triggered).toHaveLength(2);
    expect(triggered[1].data).toMatchObject({ value: '11', crossedBy: 'u3' });
  });

  it('re-arms a day window at UTC midnight', async () => {
    const customerId = await createCustomer();
    clock.set('2026-03-10T23:59:00Z');
    await createAlert(customerId, {
      alertId: 'daily',
      metric: 'units',
      window: 'day',
      endpoint: '/api/a',
      thresholds: [{ value: '5' }],
    }).expect(201);
    await track(customerId, 'd1', 3, t, '/api/other');
    await settle(t);
    expect(of(customerId)).toHaveLength(0);
    await track(customerId, 'd2', 6);
    await settle(t);
    expect(of(customerId).map((e) => e.data.windowId)).toEqual(['2026-03-10']);

    clock.set('2026-03-11T00:00:01Z');
    const fresh = (await getAlert(customerId, 'daily').expect(200)).body as {
      windowId: string;
      thresholds: { state: string }[];
    };
    expect(fresh.windowId).toBe('2026-03-11');
    expect(fresh.thresholds[0].state).toBe('armed');
    await track(customerId, 'd3', 4);
    await settle(t);
    expect(of(customerId)).toHaveLength(1);
    await track(customerId, 'd4', 2);
    await settle(t);
    expect(of(customerId).map((e) => e.data.windowId)).toEqual(['2026-03-10', '2026-03-11']);
  });

  it('fires credit_balance when the available credit falls below a threshold', async () => {
    const customerId = await createCustomer();
    const grant = (grantId: string, amount: string) =>
      t.http
        .post(`/v1/customers/${customerId}/credit-grants`)
        .set(t.auth())
        .send({ grantId, amount, kind: 'purchased' })
        .expect(201);
    await grant('g1', '50.00');
    await createAlert(customerId, {
      alertId: 'low',
      metric: 'credit_balance',
      window: 'period',
      thresholds: [{ value: '40.00', code: 'low' }],
    }).expect(201);
    await grant('g2', '5.00');
    await settle(t);
    expect(of(customerId)).toHaveLength(0);

    await t.http
      .post(`/v1/customers/${customerId}/credit-grants/g1/void`)
      .set(t.auth())
      .send({})
      .expect(200);
    await settle(t);
    const triggered = of(customerId, 'billing.alert.triggered');
    expect(triggered.map((e) => e.data)).toEqual([
      expect.objectContaining({ alertId: 'low', threshold: '40.00', value: '5.00', code: 'low' }),
    ]);

    // Topped up above the threshold: armed again.
    await grant('g3', '100.00');
    await settle(t);
    expect(of(customerId, 'billing.alert.resolved').map((e) => e.data.value)).toEqual(['105.00']);
  });

  it('queues no usage of customers without alerts, and evaluates a new alert at once against the usage before it', async () => {
    const customerId = await createCustomer();
    await settle(t);
    const before = await handled();
    await track(customerId, 'quiet-1', 30);
    await track(customerId, 'quiet-2', 30);
    await settle(t);
    // Nobody watches this customer: its usage never reached the alerts queue.
    expect(await handled()).toBe(before);

    // Created after the usage: fires at once, crossed by the alert's creation.
    await createAlert(customerId, {
      alertId: 'late',
      metric: 'units',
      window: 'period',
      thresholds: [{ value: '50' }, { value: '100' }],
    }).expect(201);
    await settle(t);
    const fired = of(customerId, 'billing.alert.triggered');
    expect(fired.map((e) => [e.data.threshold, e.data.crossedBy])).toEqual([['50', 'alert:late']]);
    // From now on its usage is queued and evaluated as it comes.
    await track(customerId, 'loud-1', 40);
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered').map((e) => e.data.threshold)).toEqual([
      '50',
      '100',
    ]);
  });

  it('stops queueing usage once the last alert is deleted, and fills in a missing watch item from the alerts', async () => {
    const db = t.app.get(DynamoDatabase);
    const watchItem = async (customerId: string) =>
      (
        await db.doc.send(
          new GetCommand({
            TableName: db.table,
            Key: AlertKeys.watch(customerId),
            ConsistentRead: true,
          }),
        )
      ).Item;
    const customerId = await createCustomer();
    const units = { metric: 'units', window: 'period' };
    await createAlert(customerId, { alertId: 'a', ...units, thresholds: [{ value: '10' }] }).expect(
      201,
    );
    await createAlert(customerId, { alertId: 'b', ...units, thresholds: [{ value: '20' }] }).expect(
      201,
    );
    expect(await watchItem(customerId)).toMatchObject({ watched: true, version: 2 });

    // Alerts stored before watch items existed: the item is missing, the alerts are looked up.
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: AlertKeys.watch(customerId) }));
    await track(customerId, 'legacy-1', 15);
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered').map((e) => e.data.threshold)).toEqual(['10']);
    expect(await watchItem(customerId)).toMatchObject({ watched: true });

    // One alert left: still watched.
    await t.http.delete(`/v1/customers/${customerId}/alerts/a`).set(t.auth()).expect(200);
    expect(await watchItem(customerId)).toMatchObject({ watched: true });
    await track(customerId, 'still-1', 10);
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered').map((e) => e.data.threshold)).toEqual([
      '10',
      '20',
    ]);

    // None left: the customer's usage is no longer queued.
    await t.http.delete(`/v1/customers/${customerId}/alerts/b`).set(t.auth()).expect(200);
    expect(await watchItem(customerId)).toMatchObject({ watched: false });
    const before = await handled();
    await track(customerId, 'unwatched-1', 5);
    await settle(t);
    expect(await handled()).toBe(before);

    // A new alert watches again (and counts the usage before it).
    await createAlert(customerId, { alertId: 'c', ...units, thresholds: [{ value: '30' }] }).expect(
      201,
    );
    expect(await watchItem(customerId)).toMatchObject({ watched: true });
    await settle(t);
    expect(of(customerId, 'billing.alert.triggered').map((e) => e.data.threshold)).toEqual([
      '10',
      '20',
      '30',
    ]);
    await track(customerId, 'watched-again', 1);
    await settle(t);
    expect(await handled()).toBeGreaterThan(before);

    // A customer that never had alerts gets a "not watched" item on its first usage.
    const quiet = await createCustomer();
    await track(quiet, 'q-1', 1);
    await settle(t);
    expect(await watchItem(quiet)).toMatchObject({ watched: false });

    // Concurrent copies of a customer without an item (outbox shards run in parallel) fill it in
    // once, and every one of them hears "not watched".
    const fresh = await createCustomer();
    const repository = t.app.get(AlertsRepository);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => repository.watched(fresh, undefined)),
    );
    expect(answers).toEqual(Array(6).fill(false));
  });

  it('watches one charge of the plan with chargeId (its amount or its quantity)', async () => {
    const customerId = await createCustomer();
    await createAlert(customerId, {
      alertId: 'calls-spend',
      metric: 'spend',
      chargeId: 'calls',
      window: 'period',
      thresholds: [{ value: '3.00' }],
    }).expect(201);
    await createAlert(customerId, {
      alertId: 'calls-units',
      metric: 'units',
      chargeId: 'calls',
      window: 'period',
      thresholds: [{ value: '4' }],
    }).expect(201);
    await createAlert(customerId, {
      alertId: 'other-units',
      metric: 'units',
      chargeId: 'other',
      window: 'period',
      thresholds: [{ value: '1' }],
    }).expect(201);
    await track(customerId, 'charge-1', 5);
    await settle(t);
    const fired = of(customerId, 'billing.alert.triggered').map((e) => [
      e.data.alertId,
      e.data.value,
    ]);
    expect(fired.sort()).toEqual([
      ['calls-spend', '5.00'],
      ['calls-units', '5'],
    ]);
    const view = await getAlert(customerId, 'calls-spend').expect(200);
    expect(view.body).toMatchObject({ chargeId: 'calls', thresholds: [{ state: 'triggered' }] });

    for (const [body, message] of [
      [{ metric: 'credit_balance', thresholds: [{ value: '1.00' }] }, 'spend and units'],
      [{ metric: 'units', endpoint: '/api/a', thresholds: [{ value: '1' }] }, 'either'],
      [{ metric: 'units', window: 'day', thresholds: [{ value: '1' }] }, 'period window'],
    ] as const) {
      const bad = await createAlert(customerId, {
        window: 'period',
        ...body,
        chargeId: 'calls',
      }).expect(400);
      expect(JSON.stringify(bad.body.details)).toContain(message);
    }
  });

  it('creates idempotently, validates, answers 404s, lists and deletes', async () => {
    const customerId = await createCustomer();
    const body = {
      alertId: 'a1',
      metric: 'spend',
      window: 'period',
      thresholds: [{ value: '100' }, { value: '250.5' }],
    };
    const created = await createAlert(customerId, body).expect(201);
    expect(created.body).toMatchObject({
      alertId: 'a1',
      customerId,
      currency: 'USD',
      thresholds: [
        { index: 0, value: '100.00', state: 'armed', triggeredAt: null },
        { index: 1, value: '250.50', state: 'armed', triggeredAt: null },
      ],
    });
    // The same alert again (values compared as decimals) → 200, the same alert.
    const replay = await createAlert(customerId, {
      ...body,
      thresholds: [{ value: '100.00' }, { value: '250.50' }],
    }).expect(200);
    expect(replay.body).toEqual(created.body);
    const conflict = await createAlert(customerId, {
      ...body,
      thresholds: [{ value: '100' }],
    }).expect(409);
    expect(conflict.body.error).toBe('ALERT_CONFLICT');

    for (const bad of [
      { metric: 'bytes', window: 'period', thresholds: [{ value: '1' }] },
      { metric: 'units', window: 'week', thresholds: [{ value: '1' }] },
      { metric: 'units', window: 'period', thresholds: [] },
      { metric: 'units', window: 'period', thresholds: [{ value: '2' }, { value: '1' }] },
      { metric: 'units', window: 'period', thresholds: [{ value: '0.0000001' }] },
      { metric: 'units', window: 'period', thresholds: [{ value: '-1' }] },
      { metric: 'spend', window: 'period', thresholds: [{ value: '1.001' }] },
      { metric: 'spend', window: 'day', thresholds: [{ value: '1' }] },
      { metric: 'spend', window: 'period', endpoint: '/x', thresholds: [{ value: '1' }] },
      {
        metric: 'credit_balance',
        window: 'period',
        thresholds: [{ value: '1' }],
        recurringEvery: '1',
      },
      { metric: 'credit_balance', window: 'period', thresholds: [{ value: '1' }, { value: '2' }] },
    ]) {
      const res = await createAlert(customerId, bad);
      expect({ bad, status: res.status, error: res.body.error }).toEqual({
        bad,
        status: 400,
        error: 'VALIDATION_FAILED',
      });
    }

    expect((await createAlert('nobody', body)).status).toBe(404);
    expect((await getAlert(customerId, 'missing').expect(404)).body.error).toBe('ALERT_NOT_FOUND');
    expect(
      (await t.http.get('/v1/customers/nobody/alerts').set(t.auth('read')).expect(404)).body.error,
    ).toBe('CUSTOMER_NOT_FOUND');

    await createAlert(customerId, {
      alertId: 'a2',
      metric: 'credit_balance',
      window: 'day',
      thresholds: [{ value: '50' }, { value: '10' }],
    }).expect(201);
    const list = await t.http
      .get(`/v1/customers/${customerId}/alerts`)
      .set(t.auth('read'))
      .expect(200);
    expect((list.body.data as { alertId: string }[]).map((a) => a.alertId)).toEqual(['a1', 'a2']);

    const deleted = await t.http
      .delete(`/v1/customers/${customerId}/alerts/a1`)
      .set(t.auth())
      .expect(200);
    expect(deleted.body.alertId).toBe('a1');
    await getAlert(customerId, 'a1').expect(404);
    const gone = await t.http
      .delete(`/v1/customers/${customerId}/alerts/a1`)
      .set(t.auth())
      .expect(404);
    expect(gone.body.error).toBe('ALERT_NOT_FOUND');
    // Reads need read scope, writes admin.
    await t.http
      .post(`/v1/customers/${customerId}/alerts`)
      .set(t.auth('read'))
      .send(body)
      .expect(403);
  });
});
