import { inflateRawSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import Stripe from 'stripe';
import { Keys } from '../src/database/keys';
import { SchedulerRegistry } from '@nestjs/schedule';
import { BillingEventSubscriptions, OutboxRelay } from '../src/events';
import { OutboxRepository } from '../src/events/outbox.repository';
import { closeLambdaApp, http, lambdaApp, outboxStream, scheduled } from '../src/lambda';
import { type FakeEventBridge, startFakeEventBridge } from './fakes/fake-eventbridge';
import { type FakeStripe, startFakeStripe } from './fakes/fake-stripe';
import {
  type ApiRequest,
  apiGatewayEvent,
  lambdaContext,
  responseBody,
} from './support/api-gateway';
import { rawItems, streamEvent, streamRecord } from './support/dynamodb-stream';
import { startTestApp, TEST_API_KEYS, TEST_KEYS, uniqueTableName } from './support/test-app';

const WEBHOOK_SECRET = 'whsec_lambda_0123456789abcdef';
/** A month that has ended (usage in it is still within the accepted age). */
const PERIOD = (() => {
  const now = new Date();
  const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return previous.toISOString().slice(0, 7);
})();
/** Noon on the first day of PERIOD's last week: inside it, and recent enough to be accepted. */
const IN_PERIOD = (() => {
  const [y, m] = PERIOD.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0, 12) - 6 * 86_400_000).toISOString();
})();

type Json = Record<string, unknown>;

describe('Lambda handlers (e2e)', () => {
  let stripe: FakeStripe;
  let bus: FakeEventBridge;
  let dynamo: DynamoDBClient;
  const table = uniqueTableName('lambda');
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [stripe, bus] = await Promise.all([startFakeStripe(), startFakeEventBridge()]);
    Object.assign(process.env, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DYNAMODB_ENDPOINT: process.env.TEST_DYNAMODB_ENDPOINT,
      DYNAMODB_TABLE: table,
      BILLING_API_KEYS: TEST_API_KEYS,
      STRIPE_SECRET_KEY: 'sk_test_lambda',
      STRIPE_API_HOST: stripe.host,
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_PROTOCOL: 'http',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      EVENTBRIDGE_BUS: 'billing-bus',
      EVENTBRIDGE_ENDPOINT: bus.url,
    });
    dynamo = new DynamoDBClient({
      endpoint: process.env.TEST_DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    await closeLambdaApp();
    dynamo.destroy();
    await Promise.all([stripe.close(), bus.close()]);
    process.env = savedEnv;
  });

  const call = async (request: ApiRequest) => {
    const result = await http(apiGatewayEvent(request), lambdaContext());
    return { ...result, json: responseBody(result) as Json };
  };
  const auth = (scope: keyof typeof TEST_KEYS = 'admin') => ({
    authorization: `Bearer ${TEST_KEYS[scope]}`,
  });

  const createCustomer = (id: string) =>
    call({
      method: 'POST',
      path: '/v1/customers',
      headers: auth(),
      body: { id, email: `${id}@example.test`, name: id, planId: 'paid' },
    });
  const ingest = (customerId: string, quantity = 1500) =>
    call({
      method: 'POST',
      path: '/v1/usage',
      headers: auth('ingest'),
      body: { customerId, endpoint: '/api/search', quantity, timestamp: IN_PERIOD },
    });

  const outboxItems = () => rawItems(dynamo, table, OutboxRepository.shardPartitions());
  const queueItems = async () => {
    const app = await lambdaApp();
    const names = app
      .get(BillingEventSubscriptions)
      .status()
      .map((s) => s.name);
    return rawItems(dynamo, table, names.map(Keys.subscriberQueuePartition));
  };
  type RawItem = Awaited<ReturnType<typeof outboxItems>>[number];
  /** The events' JSON of a raw outbox item: text, or deflated when long. */
  const payloadOf = (i: RawItem) =>
    i.payloadZ?.B ? inflateRawSync(i.payloadZ.B).toString('utf8') : i.payload.S!;
  const eventIdsOf = (items: RawItem[]) =>
    items.flatMap((i) => (JSON.parse(payloadOf(i)) as { eventId: string }[]).map((e) => e.eventId));
  const publishedIds = () => bus.entries.map((e) => (e.detail as { eventId: string }).eventId);

  it('starts no timer or polling loop in the container, unlike container mode', async () => {
    const intervals = jest.spyOn(global, 'setInterval');
    try {
      const app = await lambdaApp();
      expect(intervals).not.toHaveBeenCalled();
      expect(app.get(OutboxRelay).status().running).toBe(false);
      expect(
        app
          .get(BillingEventSubscriptions)
          .status()
          .every((s) => !s.running),
      ).toBe(true);
      expect(app.get(SchedulerRegistry).getCronJobs().size).toBe(0);

      intervals.mockClear();
      const container = await startTestApp({ env: { BILLING_RUN_CRON: '5 0 1 * *' } });
      try {
        const delays = intervals.mock.calls.map(([, ms]) => ms);
        // Billing-run sweep and webhook recovery every minute, credit expiry every 5 minutes.
        expect(delays).toEqual(expect.arrayContaining([60_000, 60_000, 300_000]));
        expect(container.app.get(OutboxRelay).status().running).toBe(true);
        expect(container.app.get(SchedulerRegistry).getCronJobs().has('billing-run')).toBe(true);
      } finally {
        await container.close();
      }
    } finally {
      intervals.mockRestore();
    }
  });

  it('serves HTTP: creates a customer, ingests usage, with the API Gateway request id', async () => {
    const created = await call({
      method: 'POST',
      path: '/v1/customers',
      headers: { ...auth(), 'x-request-id': 'caller-chosen-id' },
      body: { id: 'cus-lambda-1', email: 'one@example.test', name: 'One', planId: 'paid' },
      requestId: 'JKJaXmPLvHcESHA=',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json).toMatchObject({ id: 'cus-lambda-1', planId: 'paid' });
    expect(created.headers?.['x-request-id']).toBe('JKJaXmPLvHcESHA=');

    const ingested = await ingest('cus-lambda-1');
    expect(ingested.statusCode).toBe(201);

    const read = await call({
      method: 'GET',
      path: '/v1/customers/cus-lambda-1',
      headers: auth('read'),
    });
    expect(read.statusCode).toBe(200);
    expect(read.json).toMatchObject({ id: 'cus-lambda-1', email: 'one@example.test' });
  });

  it('answers a 4xx with the service error shape and the gateway request id', async () => {
    const invalid = await call({
      method: 'POST',
      path: '/v1/customers',
      headers: auth(),
      body: { id: 'cus-bad', email: 'not-an-email' },
      requestId: 'bad-request-1=',
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json).toMatchObject({
      statusCode: 400,
      error: expect.any(String) as string,
      message: expect.any(String) as string,
      requestId: 'bad-request-1=',
    });
    const unauthenticated = await call({ method: 'GET', path: '/v1/customers/cus-lambda-1' });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.json).toMatchObject({ statusCode: 401, error: 'UNAUTHENTICATED' });
    const missing = await call({ method: 'GET', path: '/v1/customers/nobody', headers: auth() });
    expect(missing.statusCode).toBe(404);
  });

  describe('Stripe webhook through API Gateway', () => {
    /** Indented JSON: any re-serialization of the body would break the signature. */
    const signed = (id: string) => {
      const payload = JSON.stringify(
        {
          id,
          object: 'event',
          api_version: '2026-02-25.clover',
          created: Math.floor(Date.now() / 1000),
          data: { object: { object: 'dispute', id: 'dp_lambda' } },
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
          type: 'charge.dispute.created',
        },
        null,
        2,
      );
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: WEBHOOK_SECRET,
      });
      return { payload, signature };
    };
    const deliver = (payload: string, signature: string, base64 = false) =>
      call({
        method: 'POST',
        path: '/v1/webhooks/stripe',
        headers: { 'stripe-signature': signature },
        body: payload,
        base64,
      });

    it('accepts a signed event: the raw body reaches the verifier intact', async () => {
      const { payload, signature } = signed('evt_lambda_plain');
      const res = await deliver(payload, signature);
      expect(res.statusCode).toBe(200);
      expect(res.json).toEqual({ received: true, duplicate: false, status: 'ignored' });
    });

    it('accepts a signed event whose body API Gateway base64-encoded', async () => {
      const { payload, signature } = signed('evt_lambda_base64');
      const res = await deliver(payload, signature, true);
      expect(res.statusCode).toBe(200);
      expect(res.json).toEqual({ received: true, duplicate: false, status: 'ignored' });
    });

    it('rejects a body changed after signing with 400', async () => {
      const { payload, signature } = signed('evt_lambda_tampered');
      const res = await deliver(payload.replace('dp_lambda', 'dp_other'), signature);
      expect(res.statusCode).toBe(400);
      expect(res.json).toMatchObject({ statusCode: 400 });
    });
  });

  describe('outbox stream', () => {
    beforeEach(() => {
      bus.reset();
      bus.clearFailures();
    });

    it('publishes the new outbox items once, ignores other records, and feeds subscribers', async () => {
      await createCustomer('cus-stream-1');
      // Watched by an alert, so its usage events are copied into the alerts queue too.
      const alert = await call({
        method: 'POST',
        path: '/v1/customers/cus-stream-1/alerts',
        headers: auth(),
        body: { metric: 'units', window: 'period', thresholds: [{ value: '1000000' }] },
      });
      expect(alert.statusCode).toBe(201);
      await ingest('cus-stream-1');
      const items = await outboxItems();
      expect(items.length).toBeGreaterThan(0);
      const expected = eventIdsOf(items);
      const customer = (await rawItems(dynamo, table, [Keys.customer('cus-stream-1').pk]))[0];
      const records = [
        ...items.map((i) => streamRecord(i)),
        streamRecord(customer),
        streamRecord(items[0], 'MODIFY'),
      ];

      const first = await outboxStream(streamEvent(records));
      expect(first).toEqual({ batchItemFailures: [] });
      expect(publishedIds().sort()).toEqual([...expected].sort());
      expect(await outboxItems()).toEqual([]);

      // The same records again (Lambda retries a batch): nothing is published twice.
      const again = await outboxStream(streamEvent(records));
      expect(again).toEqual({ batchItemFailures: [] });
      expect(publishedIds().sort()).toEqual([...expected].sort());

      // The fan-out wrote subscriber queue items; their own records deliver them.
      const queued = await queueItems();
      expect(queued.length).toBeGreaterThan(0);
      const delivered = await outboxStream(streamEvent(queued.map((i) => streamRecord(i))));
      expect(delivered).toEqual({ batchItemFailures: [] });
      expect(await queueItems()).toEqual([]);
    });

    it('reports only the record whose events EventBridge refused, and retries it later', async () => {
      await createCustomer('cus-ok');
      await createCustomer('cus-refused');
      await outboxStream(streamEvent((await outboxItems()).map((i) => streamRecord(i))));
      bus.reset();
      await ingest('cus-ok');
      await ingest('cus-refused');
      const items = await outboxItems();
      expect(items).toHaveLength(2);
      const records = items.map((i) => streamRecord(i));
      const refused = records.find((_, i) => payloadOf(items[i]).includes('cus-refused'));
      bus.failEntries((entry) => JSON.stringify(entry.detail).includes('cus-refused'));

      const result = await outboxStream(streamEvent(records));
      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: refused!.dynamodb!.SequenceNumber },
      ]);
      expect(bus.entries.map((e) => JSON.stringify(e.detail))).toEqual([
        expect.stringContaining('cus-ok'),
      ]);

      // EventBridge recovers; Lambda retries the failed record until its backoff is over.
      bus.clearFailures();
      let retried: Awaited<ReturnType<typeof outboxStream>>;
      do {
        await new Promise((r) => setTimeout(r, 100));
        retried = await outboxStream(streamEvent([refused as DynamoDBRecord]));
      } while (retried.batchItemFailures.length > 0);
      expect(bus.entries.map((e) => JSON.stringify(e.detail))).toEqual([
        expect.stringContaining('cus-ok'),
        expect.stringContaining('cus-refused'),
      ]);
      expect(await outboxItems()).toEqual([]);
    });
  });

  describe('scheduled jobs', () => {
    it('runs a billing run for a period: the invoice is created', async () => {
      await createCustomer('cus-billed');
      expect((await ingest('cus-billed', 2000)).statusCode).toBe(201);
      const run = (await scheduled({ job: 'billing-run', period: PERIOD })) as Json;
      expect(run).toMatchObject({ period: PERIOD, status: 'completed', trigger: 'schedule' });
      const invoices = await call({
        method: 'GET',
        path: '/v1/customers/cus-billed/invoices',
        headers: auth('read'),
      });
      expect(invoices.statusCode).toBe(200);
      expect(JSON.stringify(invoices.json)).toContain(`"period":"${PERIOD}"`);

      // Its events wait in the outbox until a sweep (or the stream) publishes them.
      bus.reset();
      const swept = (await scheduled({ job: 'outbox-sweep' })) as { outbox: Json };
      expect(swept.outbox).toMatchObject({ failed: false, remaining: 0 });
      expect(bus.entriesOfType('billing.invoice.created').length).toBeGreaterThan(0);
    });

    it('runs the other jobs by name and rejects an unknown one', async () => {
      await expect(scheduled({ job: 'provider-sync' })).resolves.toEqual({ synced: 0 });
      await expect(scheduled({ job: 'webhook-recovery' })).resolves.toEqual({ ran: 0 });
      await expect(scheduled({ job: 'credit-expiry' })).resolves.toEqual({ writtenOff: 0 });
      await expect(scheduled({ job: 'no-such-job' })).rejects.toThrow(
        /Unknown job "no-such-job"; known jobs: .*billing-run/,
      );
      await expect(scheduled({ job: 'billing-run', period: 'November' })).rejects.toThrow(
        'billing-run: period must be a month as YYYY-MM, got "November"',
      );
    });
  });
});
