import { Clock } from '../src/common/time/clock';
import { freePort } from '../src/database/embedded-dynamodb';
import { BillingEventSubscriptions } from '../src/events';
import { EventsOptions } from '../src/events/events.options';
import { NotificationsOptions } from '../src/notifications/notifications.options';
import { NotificationsSubscriber } from '../src/notifications/notifications.subscriber';
import { spawnApp, waitForHttp } from './support/app-process';
import { FakeClock } from './support/fake-clock';
import {
  type NotificationReceiver,
  signatureOf,
  startReceiver,
  waitFor,
} from './support/notification-receiver';
import {
  TEST_API_KEYS,
  TEST_KEYS,
  type TestApp,
  type TestAppOptions,
  startTestApp,
  uniqueTableName,
} from './support/test-app';

const SECRET = 'notify_test_secret_0123456789';

/** Fast polling and a short retry backoff, so an outage and its recovery take well under a second. */
const fast = (): TestAppOverrides => [
  [
    EventsOptions,
    new EventsOptions({
      pollIntervalMs: 20,
      idlePollIntervalMs: 100,
      retryInitialMs: 20,
      retryMaxMs: 100,
    }),
  ],
  [NotificationsOptions, new NotificationsOptions({ retryInitialMs: 20, retryMaxMs: 100 })],
];
type TestAppOverrides = NonNullable<TestAppOptions['overrides']>;

/** The value of a metric series on /metrics, 0 when absent. */
async function metric(t: TestApp, series: string): Promise<number> {
  const text = (await t.http.get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const createCustomer = (t: TestApp, id: string, planId = 'free') =>
  t.http
    .post('/v1/customers')
    .set(t.auth())
    .send({ id, email: `${id}@example.test`, name: id, planId })
    .expect(201);

/** Every queue delivered (nothing pending, no retry waiting): a later count is final. */
const settle = async (t: TestApp) =>
  expect(await t.app.get(BillingEventSubscriptions).flush(10_000)).toBe(true);

describe('Outbound notifications (e2e)', () => {
  const apps: TestApp[] = [];
  const receivers: NotificationReceiver[] = [];
  const start = async (...args: Parameters<typeof startTestApp>) => {
    const app = await startTestApp(...args);
    apps.push(app);
    return app;
  };
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('sends one signed message when an invoice is finalized', async () => {
    const hook = await receiver();
    const clock = new FakeClock('2026-11-20T12:00:00Z');
    const t = await start({
      env: { NOTIFY_WEBHOOK_URL: hook.url, NOTIFY_WEBHOOK_SECRET: SECRET },
      overrides: [...fast(), [Clock, clock]],
    });
    await createCustomer(t, 'notify-acme', 'paid');
    // 2,000 units on the paid plan: the first 1,000 free, the next 1,000 at 0.01.
    await t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({
        customerId: 'notify-acme',
        endpoint: '/api/search',
        quantity: 2000,
        timestamp: '2026-11-10T10:00:00Z',
      })
      .expect(201);
    const draft = await t.http
      .post('/v1/invoices')
      .set(t.auth())
      .send({ customerId: 'notify-acme', period: '2026-11' })
      .expect(201);
    clock.set('2026-12-01T00:10:00Z');
    const open = await t.http
      .post(`/v1/invoices/${draft.body.id}/finalize`)
      .set(t.auth())
      .expect(200);

    await waitFor(() => hook.requests.length > 0);
    await settle(t);
    expect(hook.requests).toHaveLength(1);
    const [message] = hook.requests;
    expect(message.headers['content-type']).toBe('application/json');
    expect(message.headers['user-agent']).toMatch(/^usage-billing/);
    expect(message.headers['x-billing-event-id']).toBe(message.body.event.eventId);
    expect(signatureOf(message, SECRET)).toEqual({
      valid: true,
      t: Date.parse('2026-12-01T00:10:00Z') / 1000,
    });
    expect(signatureOf(message, 'another_secret_0123456789').valid).toBe(false);
    expect(message.body.text).toBe(
      `Invoice ${open.body.number} finalized for notify-acme: 10.00 USD`,
    );
    expect(message.body.event).toMatchObject({
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'billing.invoice.finalized',
      customerId: 'notify-acme',
      data: { invoiceId: draft.body.id, number: open.body.number, total: '10.00', currency: 'USD' },
    });
  });

  it('keeps retrying a receiver that is down, then delivers once, unsigned without a secret', async () => {
    const hook = await receiver({ path: '/hooks/T000/B000/token-in-the-path' });
    hook.answer(503);
    const t = await start({
      env: { NOTIFY_WEBHOOK_URL: hook.url, NOTIFY_EVENT_TYPES: 'billing.customer.created' },
      overrides: fast(),
    });
    await createCustomer(t, 'notify-down');
    await waitFor(() => hook.requests.length >= 3);
    const [status] = t.app
      .get(BillingEventSubscriptions)
      .status()
      .filter((s) => s.name === 'notifications');
    expect(status.lastError).toContain(`${new URL(hook.url).host} (HTTP 503)`);
    expect(status.lastError).not.toContain('token-in-the-path');
    expect(hook.accepted()).toHaveLength(0);

    hook.answer(200);
    await waitFor(() => hook.accepted().length === 1);
    await settle(t);
    expect(hook.accepted()).toHaveLength(1);
    expect(new Set(hook.requests.map((r) => r.body.event.eventId)).size).toBe(1);
    const [message] = hook.accepted();
    expect(message.body).toMatchObject({
      text: 'Customer notify-down created on plan free (USD)',
      event: { type: 'billing.customer.created', customerId: 'notify-down' },
    });
    expect(message.headers['x-billing-signature']).toBeUndefined();
    expect(await metric(t, 'notifications_sent_total{result="failed"}')).toBeGreaterThanOrEqual(3);
    expect(await metric(t, 'notifications_sent_total{result="delivered"}')).toBe(1);
  });

  it('does not send an event again to a receiver that accepted it (redelivery after a crash)', async () => {
    const hook = await receiver();
    const t = await start({
      env: {
        NOTIFY_WEBHOOK_URL: hook.url,
        NOTIFY_WEBHOOK_SECRET: SECRET,
        NOTIFY_EVENT_TYPES: 'billing.customer.created',
      },
      overrides: fast(),
    });
    await createCustomer(t, 'notify-twice');
    await waitFor(() => hook.requests.length === 1);
    await settle(t);

    // The queue hands the same event over again, as it does when the process died after the
    // receiver's 2xx and before the queue recorded the event as handled.
    const event = hook.requests[0].body.event;
    const subscriber = t.app.get(NotificationsSubscriber);
    await subscriber.handle(event as never);
    await subscriber.handle(event as never);
    expect(hook.requests).toHaveLength(1);
    expect(await metric(t, 'notifications_sent_total{result="already_delivered"}')).toBe(2);
  });

  it('delivers to a healthy receiver once while another is down, and to that one later, once', async () => {
    const healthy = await receiver({ path: '/healthy' });
    const down = await receiver({ path: '/down', port: await freePort(), listen: false });
    const t = await start({
      env: {
        NOTIFY_WEBHOOK_URL: `${down.url},${healthy.url}`,
        NOTIFY_EVENT_TYPES: 'billing.customer.created',
      },
      overrides: fast(),
    });
    await createCustomer(t, 'notify-split');
    await waitFor(() => healthy.requests.length === 1);
    // Several attempts at the receiver that refuses connections, none sent again to the other.
    await waitFor(async () => (await metric(t, 'notifications_sent_total{result="failed"}')) >= 3);
    expect(healthy.requests).toHaveLength(1);
    expect(down.requests).toHaveLength(0);

    await down.listen();
    await waitFor(() => down.requests.length === 1);
    await settle(t);
    expect(down.requests).toHaveLength(1);
    expect(healthy.requests).toHaveLength(1);
    expect(down.requests[0].body.event.eventId).toBe(healthy.requests[0].body.event.eventId);
    expect(
      await metric(t, 'notifications_sent_total{result="already_delivered"}'),
    ).toBeGreaterThanOrEqual(3);
  });

  it('subscribes to nothing when no receiver is configured', async () => {
    const t = await start({ overrides: fast() });
    const status = t.app
      .get(BillingEventSubscriptions)
      .status()
      .find((s) => s.name === 'notifications');
    expect(status?.eventTypes).toEqual([]);
    await createCustomer(t, 'notify-none');
    await settle(t);
    expect(
      await metric(t, 'subscriber_events_total{subscriber="notifications",result="handled"}'),
    ).toBe(0);
  });

  it('works from a fresh start of the service process', async () => {
    const hook = await receiver();
    const port = await freePort();
    const app = spawnApp({
      NODE_ENV: 'development',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DYNAMODB_ENDPOINT: process.env.TEST_DYNAMODB_ENDPOINT ?? '',
      DYNAMODB_TABLE: uniqueTableName('notify'),
      BILLING_API_KEYS: TEST_API_KEYS,
      BILLING_RUN_CRON: 'off',
      NOTIFY_WEBHOOK_URL: hook.url,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_EVENT_TYPES: 'billing.customer.created,billing.invoice.finalized',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health/ready`, 60_000, app);
      const created = await fetch(`${base}/v1/customers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEYS.admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'proc-1', email: 'p@example.test', name: 'P', planId: 'free' }),
      });
      expect(created.status).toBe(201);
      await waitFor(() => hook.requests.length === 1, 30_000);
      const [message] = hook.requests;
      expect(signatureOf(message, SECRET).valid).toBe(true);
      expect(message.body.event).toMatchObject({
        type: 'billing.customer.created',
        customerId: 'proc-1',
      });
      expect(app.output()).not.toContain(SECRET);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
    expect(hook.requests).toHaveLength(1);
  });
});
