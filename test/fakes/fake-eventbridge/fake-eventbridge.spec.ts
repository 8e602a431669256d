import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { startFakeEventBridge, type FakeEventBridge } from './index';

const entry = (n: number, over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'billing.test',
  DetailType: 'usage.recorded',
  Detail: JSON.stringify({ n }),
  EventBusName: 'billing-bus',
  ...over,
});

/** What the SDK rejects with: a service exception or a transport error, both with $metadata. */
type SdkError = Error & {
  code?: string;
  $fault?: 'client' | 'server';
  $metadata: { httpStatusCode?: number; attempts?: number };
};

describe('fake EventBridge (real @aws-sdk/client-eventbridge)', () => {
  let fake: FakeEventBridge;
  let client: EventBridgeClient;

  const makeClient = (maxAttempts = 1): EventBridgeClient =>
    new EventBridgeClient({
      endpoint: fake.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts,
    });

  const put = (entries: PutEventsRequestEntry[], c = client) =>
    c.send(new PutEventsCommand({ Entries: entries }));

  /** Runs `fn`, expecting it to reject, and returns the error. */
  const rejection = async (fn: () => Promise<unknown>): Promise<SdkError> => {
    try {
      await fn();
    } catch (err) {
      return err as SdkError;
    }
    throw new Error('expected a rejection');
  };

  beforeAll(async () => {
    fake = await startFakeEventBridge();
    client = makeClient();
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    client.destroy();
    await fake.close();
  });

  it('accepts and records put events with parsed detail', async () => {
    const time = new Date('2026-01-02T03:04:05.000Z');
    const out = await put([
      entry(1, { Time: time, Resources: ['arn:aws:x:::customer/c1'] }),
      entry(2, { EventBusName: undefined }),
    ]);

    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    expect(fake.callCount).toBe(1);
    expect(fake.entries).toHaveLength(2);
    const [first, second] = fake.entries;
    expect(first).toMatchObject({
      source: 'billing.test',
      detailType: 'usage.recorded',
      detail: { n: 1 },
      rawDetail: '{"n":1}',
      eventBusName: 'billing-bus',
      resources: ['arn:aws:x:::customer/c1'],
      call: 1,
      index: 0,
    });
    expect(first.time?.toISOString()).toBe(time.toISOString());
    expect(second.eventBusName).toBe('default');
    expect(out.Entries?.map((e) => e.EventId)).toEqual([first.eventId, second.eventId]);
    expect(fake.entriesOfType('usage.recorded')).toHaveLength(2);
  });

  it('rejects more than 10 entries with ValidationException (400), nothing recorded', async () => {
    const err = await rejection(() => put(Array.from({ length: 11 }, (_, i) => entry(i))));

    expect(err).toBeInstanceOf(EventBridgeServiceException);
    expect(err.name).toBe('ValidationException');
    expect(err.$fault).toBe('client');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(/less than or equal to 10/);
    expect(fake.entries).toHaveLength(0);
    expect(fake.calls[0]).toMatchObject({ status: 400, errorType: 'ValidationException' });

    await expect(put(Array.from({ length: 10 }, (_, i) => entry(i)))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
  });

  it('reports invalid entries per entry (InvalidArgument / MalformedDetail)', async () => {
    const out = await put([
      entry(1),
      entry(2, { Source: undefined }),
      entry(3, { DetailType: '' }),
      entry(4, { Detail: '{not json' }),
    ]);

    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries?.[0].EventId).toBeDefined();
    expect(out.Entries?.slice(1).map((e) => e.ErrorCode)).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
    ]);
    expect(out.Entries?.[1].ErrorMessage).toMatch(/Source/);
    expect(fake.entries.map((e) => e.detail)).toEqual([{ n: 1 }]);
  });

  it('injects partial failures by count, across calls', async () => {
    fake.failEntries(3);
    const a = await put([entry(1), entry(2)]);
    const b = await put([entry(3), entry(4)]);

    expect(a.FailedEntryCount).toBe(2);
    expect(a.Entries?.map((e) => e.ErrorCode)).toEqual(['InternalFailure', 'InternalFailure']);
    expect(b.FailedEntryCount).toBe(1);
    expect(b.Entries?.[0]).toMatchObject({ ErrorCode: 'InternalFailure' });
    expect(b.Entries?.[0].ErrorMessage).toBeDefined();
    expect(b.Entries?.[1].EventId).toBeDefined();
    expect(fake.entries.map((e) => e.detail)).toEqual([{ n: 4 }]);
  });

  it('injects partial failures by predicate until cleared', async () => {
    fake.failEntries((e) => (e.detail as { n: number }).n % 2 === 0);
    fake.failEntries((e) => e.detailType === 'throttled', 'ThrottlingException');
    const out = await put([entry(1), entry(2), entry(3, { DetailType: 'throttled' }), entry(4)]);

    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InternalFailure',
      'ThrottlingException',
      'InternalFailure',
    ]);
    expect(fake.calls[0].failedEntryCount).toBe(3);

    fake.clearFailures();
    await expect(put([entry(2)])).resolves.toMatchObject({ FailedEntryCount: 0 });
  });

  it('fails with 503 ServiceUnavailable while down (no SDK retries), works after up()', async () => {
    fake.down();
    const err = await rejection(() => put([entry(1)]));

    expect(err).toBeInstanceOf(EventBridgeServiceException);
    expect(err.name).toBe('ServiceUnavailable');
    expect(err.$fault).toBe('server');
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.$metadata.attempts).toBe(1);
    expect(fake.callCount).toBe(1);
    expect(fake.entries).toHaveLength(0);

    fake.up();
    await expect(put([entry(2)])).resolves.toMatchObject({ FailedEntryCount: 0 });
    expect(fake.entries.map((e) => e.detail)).toEqual([{ n: 2 }]);
  });

  it('the SDK retries a 503 when retries are on (contrast with maxAttempts: 1)', async () => {
    const retrying = makeClient(2);
    try {
      fake.down();
      const err = await rejection(() => put([entry(1)], retrying));
      expect(err.name).toBe('ServiceUnavailable');
      expect(err.$metadata.attempts).toBe(2);
      expect(fake.callCount).toBe(2);
    } finally {
      retrying.destroy();
    }
  });

  it('resets connections while down in reset mode', async () => {
    await put([entry(0)]); // leave a keep-alive connection open
    fake.down(undefined, 'reset');
    const err = await rejection(() => put([entry(1)]));

    // A transport error, not a service error. (Inside jest's VM realm the SDK wraps it as
    // "AWS SDK error wrapper for TimeoutError: socket hang up"; in plain Node name is
    // TimeoutError with code ECONNRESET.)
    expect(err).not.toBeInstanceOf(EventBridgeServiceException);
    expect(err.$metadata).toMatchObject({ attempts: 1 });
    expect(`${err.code ?? ''} ${err.message}`).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    expect(fake.calls.at(-1)?.status).toBe('reset');

    fake.up();
    await expect(put([entry(2)])).resolves.toMatchObject({ FailedEntryCount: 0 });
  });

  it('comes back up by itself after down(ms)', async () => {
    fake.down(50);
    expect(fake.isDown).toBe(true);
    await expect(put([entry(1)])).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    await new Promise((r) => setTimeout(r, 80));
    expect(fake.isDown).toBe(false);
    await expect(put([entry(2)])).resolves.toMatchObject({ FailedEntryCount: 0 });
  });

  it('answers an unknown X-Amz-Target with 400 UnknownOperationException', async () => {
    const res = await fetch(`${fake.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEvents.PutRule',
      },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('waitForEntries resolves once enough entries arrived, rejects on timeout', async () => {
    const waiting = fake.waitForEntries(2, 1000);
    await put([entry(1)]);
    await put([entry(2)]);
    await expect(waiting).resolves.toHaveLength(2);
    await expect(fake.waitForEntries(3, 20)).rejects.toThrow(/expected 3 entries/);
  });
});
