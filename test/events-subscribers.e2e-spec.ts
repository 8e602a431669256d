import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Injectable, Module, type Type } from '@nestjs/common';
import {
  BillingEventSubscriber,
  type BillingEventFor,
  BillingEventSubscriptions,
  type BillingEventType,
  type CustomerWatch,
} from '../src/events';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { OutboxRepository } from '../src/events/outbox.repository';
import { EventsOptions } from '../src/events/events.options';
import { type TestApp, startTestApp, testConfig } from './support/test-app';

type Handler = (event: BillingEventFor<BillingEventType>) => Promise<void>;

/** A module with one subscriber named `name`, whose handler the test supplies. */
function subscriberModule(name: string, eventTypes: BillingEventType[], handle: Handler): Type {
  @Injectable()
  class TestSubscriber extends BillingEventSubscriber {
    readonly name = name;
    readonly eventTypes = eventTypes;
    override readonly retry = { initialMs: 20, maxMs: 100 };
    handle(event: BillingEventFor<BillingEventType>) {
      return handle(event);
    }
  }
  @Module({ providers: [TestSubscriber] })
  class TestSubscriberModule {}
  return TestSubscriberModule;
}

const fastOptions = (overrides: Partial<EventsOptions> = {}) =>
  new EventsOptions({
    pollIntervalMs: 20,
    idlePollIntervalMs: 100,
    retryInitialMs: 20,
    retryMaxMs: 100,
    ...overrides,
  });

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const createCustomer = (t: TestApp, id: string) =>
  t.http
    .post('/v1/customers')
    .set(t.auth())
    .send({ id, email: `${id}@example.com`, name: id, planId: 'free' })
    .expect(201);

/** The value of a metric series on /metrics, 0 when absent. */
async function metric(t: TestApp, series: string): Promise<number> {
  const text = (await t.http.get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('In-process billing event subscribers (durable, typed)', () => {
  const apps: TestApp[] = [];
  const start = async (...args: Parameters<typeof startTestApp>) => {
    const app = await startTestApp(...args);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('delivers a committed fact to a typed subscriber, once', async () => {
    const received: BillingEventFor<BillingEventType>[] = [];
    const t = await start({
      overrides: [[EventsOptions, fastOptions()]],
      imports: [
        subscriberModule('recorder', ['billing.customer.created'], async (e) => {
          received.push(e);
        }),
      ],
    });
    await createCustomer(t, 'sub-acme');
    await waitFor(() => received.length === 1);
    const [event] = received;
    expect(event).toMatchObject({
      type: 'billing.customer.created',
      customerId: 'sub-acme',
      data: { planId: 'free', currency: 'USD', status: 'active' },
    });
    expect(await t.app.get(BillingEventSubscriptions).flush(2_000)).toBe(true);
    expect(received).toHaveLength(1);
  });

  it('retries a throwing subscriber with backoff while other subscribers go ahead', async () => {
    let failuresLeft = 3;
    const flaky: string[] = [];
    const steady: string[] = [];
    const t = await start({
      overrides: [[EventsOptions, fastOptions()]],
      imports: [
        subscriberModule('flaky', ['billing.customer.created'], async (e) => {
          if (failuresLeft-- > 0) throw new Error('receiver down');
          flaky.push(e.eventId);
        }),
        subscriberModule('steady', ['billing.customer.created'], async (e) => {
          steady.push(e.eventId);
        }),
      ],
    });
    await createCustomer(t, 'sub-retry');
    await waitFor(() => steady.length === 1);
    expect(flaky).toHaveLength(0); // still failing: the steady subscriber did not wait for it
    await waitFor(() => flaky.length === 1);
    expect(flaky).toEqual(steady);
    expect(
      await metric(t, 'subscriber_events_total{subscriber="flaky",result="failed"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(await metric(t, 'subscriber_events_total{subscriber="flaky",result="handled"}')).toBe(1);
  });

  it('delivers events committed before a crash, from the next instance to start', async () => {
    const received: string[] = [];
    const handler: Handler = async (e) => {
      received.push(e.customerId ?? '');
    };
    const config = testConfig();
    // The first instance commits but dispatches nothing (relay never runs), then goes away.
    const first = await startTestApp({
      config,
      overrides: [[EventsOptions, fastOptions({ autoStart: false })]],
      imports: [subscriberModule('recorder', ['billing.customer.created'], handler)],
    });
    await createCustomer(first, 'sub-before-crash');
    await first.close();
    expect(received).toHaveLength(0);

    await start({
      config,
      overrides: [[EventsOptions, fastOptions()]],
      imports: [subscriberModule('recorder', ['billing.customer.created'], handler)],
    });
    await waitFor(() => received.length === 1);
    expect(received).toEqual(['sub-before-crash']);
  });

  it('hands an event to another instance when the one handling it dies mid-way', async () => {
    const config = testConfig();
    let releaseStuck!: () => void;
    const stuck = new Promise<void>((resolve) => (releaseStuck = resolve));
    let stuckCalls = 0;
    const done: string[] = [];
    // Instance A takes the event and never finishes (a crashed dispatcher holds the lease).
    const a = await start({
      config,
      overrides: [[EventsOptions, fastOptions({ leaseMs: 400 })]],
      imports: [
        subscriberModule('mailer', ['billing.customer.created'], async () => {
          stuckCalls += 1;
          await stuck;
          throw new Error('crashed');
        }),
      ],
    });
    await createCustomer(a, 'sub-mid-way');
    await waitFor(() => stuckCalls === 1);

    // Instance B takes over once A's lease has run out, and delivers it.
    await start({
      config,
      overrides: [[EventsOptions, fastOptions({ leaseMs: 400 })]],
      imports: [
        subscriberModule('mailer', ['billing.customer.created'], async (e) => {
          done.push(e.customerId ?? '');
        }),
      ],
    });
    await waitFor(() => done.length === 1);
    releaseStuck();
    expect(done).toEqual(['sub-mid-way']);
    expect(stuckCalls).toBe(1);
  });

  it('two instances deliver each event once per subscriber, not once per instance', async () => {
    const config = testConfig();
    const calls: string[] = [];
    const recorder = () =>
      subscriberModule('shared', ['billing.customer.created'], async (e) => {
        calls.push(e.eventId);
        await new Promise((r) => setTimeout(r, 5));
      });
    const a = await start({
      config,
      overrides: [[EventsOptions, fastOptions()]],
      imports: [recorder()],
    });
    const b = await start({
      config,
      overrides: [[EventsOptions, fastOptions()]],
      imports: [recorder()],
    });
    for (let i = 0; i < 12; i += 1) await createCustomer(i % 2 ? a : b, `sub-pair-${i}`);
    await waitFor(() => calls.length >= 12);
    await a.app.get(BillingEventSubscriptions).flush(2_000);
    await b.app.get(BillingEventSubscriptions).flush(2_000);
    expect(calls).toHaveLength(12);
    expect(new Set(calls).size).toBe(12);
  });

  it('queues only the events of watched customers, reading every watch item of an outbox item in one batch', async () => {
    const watchKey = (subscriber: string, customerId: string) => ({
      pk: `TESTWATCH#${subscriber}#${customerId}`,
      sk: 'WATCH',
    });
    const received: Record<string, string[]> = { north: [], south: [] };
    const watching = (name: string) => {
      @Injectable()
      class Watching extends BillingEventSubscriber<'billing.usage.tracked'> {
        readonly name = name;
        readonly eventTypes = ['billing.usage.tracked'] as const;
        override readonly watch: CustomerWatch = {
          key: (customerId) => watchKey(name, customerId),
          watched: (_customerId, item) => item?.on === true,
        };
        handle(event: BillingEventFor<'billing.usage.tracked'>) {
          received[name].push(`${event.customerId}/${event.data.usageEventId}`);
          return Promise.resolve();
        }
      }
      @Module({ providers: [Watching] })
      class WatchingModule {}
      return WatchingModule;
    };
    const t = await start({
      overrides: [[EventsOptions, fastOptions()]],
      imports: [watching('north'), watching('south')],
    });
    for (const id of ['w-a', 'w-b', 'w-c']) await createCustomer(t, id);
    const db = t.app.get(DynamoDatabase);
    const watch = (subscriber: string, customerId: string, on: boolean) =>
      db.doc.send(
        new PutCommand({ TableName: db.table, Item: { ...watchKey(subscriber, customerId), on } }),
      );
    await watch('north', 'w-a', true);
    await watch('south', 'w-b', true);
    await watch('south', 'w-c', false);
    await t.app.get(BillingEventSubscriptions).flush(2_000);

    const reads = jest.spyOn(t.app.get(OutboxRepository), 'readItems');
    await t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: ['w-a', 'w-b', 'w-c', 'w-a'].map((customerId, i) => ({
          customerId,
          endpoint: '/api/x',
          eventId: `e${i}`,
        })),
      })
      .expect(200)
      .expect((res) => expect(res.body).toMatchObject({ accepted: 4 }));
    await waitFor(() => received.north.length === 2 && received.south.length === 1);
    expect(await t.app.get(BillingEventSubscriptions).flush(2_000)).toBe(true);
    expect(received.north.sort()).toEqual(['w-a/e0', 'w-a/e3']);
    expect(received.south).toEqual(['w-b/e1']);
    // One strongly consistent batch read: these two subscribers' items for the three customers,
    // together with the app's own watchers' (alerts, billing thresholds).
    const usageReads = reads.mock.calls.filter(([keys]) =>
      keys.some((k) => k.pk.startsWith('TESTWATCH#')),
    );
    expect(usageReads).toHaveLength(1);
    expect(
      usageReads[0][0]
        .map((k) => k.pk)
        .filter((pk) => pk.startsWith('TESTWATCH#'))
        .sort(),
    ).toEqual(
      ['north', 'south'].flatMap((s) => ['w-a', 'w-b', 'w-c'].map((c) => `TESTWATCH#${s}#${c}`)),
    );
    expect(usageReads[0][0].map((k) => k.pk)).toEqual(
      expect.arrayContaining(['ALERTS#w-a', 'THRESHOLD_BILLING#w-c']),
    );
  });

  it("shows a failing subscriber's lag on /metrics and in readiness, without failing it", async () => {
    let failing = true;
    const t = await start({
      overrides: [[EventsOptions, fastOptions()]],
      imports: [
        subscriberModule('laggy', ['billing.customer.created'], async () => {
          if (failing) throw new Error('receiver down');
        }),
      ],
    });
    await createCustomer(t, 'sub-lag');
    await waitFor(
      async () => (await metric(t, 'subscriber_pending_events{subscriber="laggy"}')) === 1,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(await metric(t, 'subscriber_lag_seconds{subscriber="laggy"}')).toBeGreaterThan(0);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details.subscribers).toMatchObject({
      status: 'up',
      laggy: { running: true },
    });
    expect(ready.body.details.subscribers.laggy.consecutiveFailures).toBeGreaterThan(0);
    expect(ready.body.details.subscribers.laggy.lastError).toContain('receiver down');

    failing = false;
    await waitFor(
      async () => (await metric(t, 'subscriber_pending_events{subscriber="laggy"}')) === 0,
    );
    expect(await metric(t, 'subscriber_lag_seconds{subscriber="laggy"}')).toBe(0);
  });
});
