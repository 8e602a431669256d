import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Clock } from '../src/common/time/clock';
import { DynamoDatabase } from '../src/database/dynamo-database';
import { GSI1, Keys } from '../src/database/keys';
import { fromPageAttributes } from '../src/usage/usage-event-page';
import { FakeClock } from './support/fake-clock';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * A customer-day's raw events by time come from event pages (one per ingest transaction and
 * customer-day, written with the events) with corrections applied from the events' fixes, and,
 * for events recorded before pages existed, from their GSI1 entries. Partial-day reads (usage
 * with bounds inside a day, charges across a mid-day plan change) must count every event once
 * with its corrections, whichever way it was stored.
 */

interface Usage {
  total: string;
  events: number;
  groups: { key: string; quantity: string; events: number }[];
}

describe('Usage event pages (e2e)', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-10T00:00:00Z');
  let db: DynamoDatabase;

  const plan = (id: string, unitAmount: string) =>
    t.http
      .post('/v1/plans')
      .set(t.auth())
      .send({
        id,
        name: id,
        currency: 'USD',
        baseFee: '0',
        minimumCharge: '0',
        limits: { unitsPerDay: 1_000_000 },
        charges: [
          { id: 'calls', endpoint: '*', aggregation: 'sum', model: 'per_unit', unitAmount },
        ],
      })
      .expect(201);
  const createCustomer = (id: string, planId = 'pg-cheap') =>
    t.http
      .post('/v1/customers')
      .set(t.auth())
      .send({ id, email: `${id}@example.test`, name: id, planId })
      .expect(201);
  const batch = async (customerId: string, events: [string, string, string, string][]) => {
    const res = await t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: events.map(([eventId, timestamp, endpoint, quantity]) => ({
          customerId,
          eventId,
          timestamp,
          endpoint,
          quantity,
        })),
      });
    expect(res.body).toMatchObject({ accepted: events.length });
  };
  const correct = (customerId: string, eventId: string, body: { quantity?: string }) =>
    t.http
      .post(`/v1/customers/${customerId}/usage/${eventId}/${body.quantity ? 'amend' : 'void'}`)
      .set(t.auth())
      .send({ reason: 'dispute', ...body })
      .expect(201);
  const usage = async (customerId: string, query: Record<string, string>) =>
    (
      await t.http
        .get(`/v1/customers/${customerId}/usage`)
        .query(query)
        .set(t.auth('read'))
        .set('Cache-Control', 'no-cache')
        .expect(200)
    ).body as Usage;

  /**
   * An event as recorded before event pages: the record with its GSI1 time entry, and its day
   * total, in one transaction (as ingest wrote them then).
   */
  const writeOldStyleEvent = async (
    customerId: string,
    eventId: string,
    timestamp: string,
    endpoint: string,
    quantity: string,
  ) => {
    const day = timestamp.slice(0, 10);
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: db.table,
              Item: {
                ...Keys.usageEvent(customerId, eventId),
                gsi1pk: `USAGEDAY#${customerId}#${day}`,
                gsi1sk: `${timestamp}#${eventId}`,
                type: 'UsageEvent',
                customerId,
                eventId,
                endpoint,
                quantity,
                timestamp,
                timestampGiven: true,
                ingestedAt: timestamp,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: db.table,
              Key: Keys.usageDay(customerId, day),
              UpdateExpression:
                'SET #type = :type, #day = :day, customerId = :customer ADD q :q, n :one, #qe :q, #ne :one',
              ExpressionAttributeNames: {
                '#type': 'type',
                '#day': 'day',
                '#qe': `q:${endpoint}`,
                '#ne': `n:${endpoint}`,
              },
              ExpressionAttributeValues: {
                ':type': 'UsageDay',
                ':day': day,
                ':customer': customerId,
                ':q': Number(quantity),
                ':one': 1,
              },
            },
          },
        ],
      }),
    );
  };

  /** The stored items of a customer-day's pages and fixes. */
  const dayItems = async (customerId: string, day: string) =>
    (
      await db.doc.send(
        new QueryCommand({
          TableName: db.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': Keys.usageDay(customerId, day).pk,
            ':prefix': Keys.usageEventPagesPrefix(day),
          },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  beforeAll(async () => {
    t = await startTestApp({ overrides: [[Clock, clock]] });
    db = t.app.get(DynamoDatabase);
    await plan('pg-cheap', '0.10');
    await plan('pg-dear', '1.00');
  });
  afterAll(() => t.close());

  /**
   * One customer-day (2026-03-10) of events from two batches, a single ingest and three
   * old-style records; the plan changes at noon. Corrections: a paged event voided, another
   * amended, an old-style event amended and another voided.
   */
  it('reads partial days from pages and old index entries, with every correction applied', async () => {
    clock.set('2026-03-10T00:00:00Z');
    await createCustomer('pg-mixed');
    clock.set('2026-03-10T12:00:00Z');
    await t.http
      .patch('/v1/customers/pg-mixed')
      .set(t.auth())
      .send({ planId: 'pg-dear' })
      .expect(200);
    clock.set('2026-03-10T18:00:00Z');

    await writeOldStyleEvent('pg-mixed', 'old-1', '2026-03-10T10:15:00.000Z', '/a', '100');
    await writeOldStyleEvent('pg-mixed', 'old-2', '2026-03-10T14:00:00.000Z', '/b', '7');
    await writeOldStyleEvent('pg-mixed', 'old-3', '2026-03-10T15:00:00.000Z', '/a', '1000');
    await batch('pg-mixed', [
      ['new-1', '2026-03-10T09:00:00.000Z', '/a', '10'],
      ['new-2', '2026-03-10T11:00:00.000Z', '/b', '20'],
      ['new-3', '2026-03-10T13:00:00.000Z', '/a', '40'],
      ['new-0', '2026-03-09T23:00:00.000Z', '/a', '1'],
    ]);
    await batch('pg-mixed', [
      ['new-4', '2026-03-10T11:30:00.000Z', '/a', '5'],
      ['new-5', '2026-03-10T12:00:00.000Z', '/a', '1'],
      ['new-6', '2026-03-10T17:00:00.000Z', '/b', '3'],
    ]);
    await t.http
      .post('/v1/usage')
      .set(t.auth('ingest'))
      .send({
        customerId: 'pg-mixed',
        eventId: 'new-7',
        timestamp: '2026-03-10T10:45:00.000Z',
        endpoint: '/b',
        quantity: '0.3',
      })
      .expect(201);
    await correct('pg-mixed', 'new-3', {});
    await correct('pg-mixed', 'new-4', { quantity: '2' });
    await correct('pg-mixed', 'old-1', { quantity: '50' });
    await correct('pg-mixed', 'old-3', {});

    // [10:00, 13:00): old-1 (50, amended), new-7 (0.3), new-2 (20), new-4 (2, amended),
    // new-5 (1, at noon); not new-3 (voided, and at the excluded bound).
    const window = await usage('pg-mixed', {
      from: '2026-03-10T10:00:00Z',
      to: '2026-03-10T13:00:00Z',
      groupBy: 'endpoint',
    });
    expect(window).toMatchObject({ total: '73.3', events: 5 });
    expect(window.groups).toEqual([
      { key: '/a', quantity: '53', events: 3 },
      { key: '/b', quantity: '20.3', events: 2 },
    ]);
    // Bounds inside two adjacent days: new-0 from the 9th's page; old-3 voided.
    expect(
      await usage('pg-mixed', { from: '2026-03-09T22:00:00Z', to: '2026-03-10T15:30:00Z' }),
    ).toMatchObject({ total: '91.3', events: 8 });
    // The partial reads agree with the day totals (whole days).
    const whole = await usage('pg-mixed', { from: '2026-03-10', to: '2026-03-11' });
    const split = [
      await usage('pg-mixed', { from: '2026-03-10T00:00:00Z', to: '2026-03-10T10:45:00Z' }),
      await usage('pg-mixed', { from: '2026-03-10T10:45:00Z', to: '2026-03-10T23:59:59.999Z' }),
      await usage('pg-mixed', { from: '2026-03-10T23:59:59.999Z', to: '2026-03-11T00:00:00Z' }),
    ];
    expect(whole).toMatchObject({ total: '93.3', events: 8 });
    expect(split.reduce((n, u) => n + u.events, 0)).toBe(8);
    expect(split.map((u) => u.total)).toEqual(['60', '33.3', '0']);

    // Before noon on pg-cheap: the 9th (1) + 10, 20, 2, 50 and 0.3 → 83.3 × 0.10;
    // from noon on pg-dear: 1 + 3 + 7 → 11 × 1.00.
    const charges = await t.http
      .get('/v1/customers/pg-mixed/charges?period=2026-03')
      .set(t.auth('read'))
      .expect(200);
    expect(
      (charges.body as { segments: { planId: string; subtotal: string }[] }).segments.map((s) => [
        s.planId,
        s.subtotal,
      ]),
    ).toEqual([
      ['pg-cheap', '8.33'],
      ['pg-dear', '11.00'],
    ]);

    // Stored: new events carry no index entry; the day's pages hold each new event once; a fix
    // per corrected event.
    const record = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'USAGE#pg-mixed', ':prefix': 'EVENT#' },
        ConsistentRead: true,
      }),
    );
    const indexed = (record.Items ?? [])
      .filter((i) => i.gsi1pk !== undefined)
      .map((i) => i.eventId);
    expect(indexed.sort()).toEqual(['old-1', 'old-2', 'old-3']);
    const items = await dayItems('pg-mixed', '2026-03-10');
    const fixes = items.filter((i) => i.type === 'UsageEventFix');
    const pages = items.filter((i) => i.type === 'UsageEventPage');
    expect(fixes.map((f) => [f.eventId, f.quantity, f.voided === true])).toEqual([
      ['new-3', '0', true],
      ['new-4', '2', false],
      ['old-1', '50', false],
      ['old-3', '0', true],
    ]);
    const paged = pages.flatMap((p) => fromPageAttributes('2026-03-10', p));
    expect(paged.map((e) => e.eventId).sort()).toEqual([
      'new-1',
      'new-2',
      'new-3',
      'new-4',
      'new-5',
      'new-6',
      'new-7',
    ]);
    expect(paged.find((e) => e.eventId === 'new-7')).toEqual({
      eventId: 'new-7',
      timestamp: '2026-03-10T10:45:00.000Z',
      endpoint: '/b',
      quantity: '0.3',
    });
    // The index partition of the day holds the old-style events only.
    const index = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: {
          ':pk': Keys.legacyUsageEventTimePartition('pg-mixed', '2026-03-10'),
        },
      }),
    );
    expect((index.Items ?? []).map((i) => i.eventId)).toEqual(['old-1', 'old-2', 'old-3']);
  });

  it('a replayed batch adds no page entry twice; a corrected event corrected again counts once', async () => {
    clock.set('2026-03-10T18:00:00Z');
    await createCustomer('pg-replay');
    const events: [string, string, string, string][] = [
      ['r-1', '2026-03-10T08:00:00.000Z', '/a', '4'],
      ['r-2', '2026-03-10T09:00:00.000Z', '/a', '6'],
    ];
    await batch('pg-replay', events);
    const replay = await t.http
      .post('/v1/usage/batch')
      .set(t.auth('ingest'))
      .send({
        events: events.map(([eventId, timestamp, endpoint, quantity]) => ({
          customerId: 'pg-replay',
          eventId,
          timestamp,
          endpoint,
          quantity,
        })),
      });
    expect(replay.body).toMatchObject({ accepted: 0, duplicates: 2 });
    await correct('pg-replay', 'r-1', { quantity: '3' });
    await correct('pg-replay', 'r-1', { quantity: '2.5' });
    await correct('pg-replay', 'r-2', { quantity: '1' });
    await correct('pg-replay', 'r-2', {});

    const items = await dayItems('pg-replay', '2026-03-10');
    const paged = items
      .filter((i) => i.type === 'UsageEventPage')
      .flatMap((p) => fromPageAttributes('2026-03-10', p));
    expect(paged.map((e) => e.eventId).sort()).toEqual(['r-1', 'r-2']);
    expect(
      await usage('pg-replay', { from: '2026-03-10T07:00:00Z', to: '2026-03-10T10:00:00Z' }),
    ).toMatchObject({ total: '2.5', events: 1 });
  });

  it('fits a batch over many customer-days into transactions of at most 100 items', async () => {
    // Each customer-day adds a day total and a page: 100 events over 35 days need 170 items
    // (and a check that February is open), so the writer splits the batch.
    clock.set('2026-03-10T18:00:00Z');
    await createCustomer('pg-spread');
    const start = Date.parse('2026-02-04T06:00:00.000Z');
    const events = Array.from({ length: 100 }, (_, i): [string, string, string, string] => [
      `s-${i}`,
      new Date(start + (i % 35) * 86_400_000 + i * 1000).toISOString(),
      i % 2 ? '/a' : '/b',
      '1',
    ]);
    await batch('pg-spread', events);
    expect(await usage('pg-spread', { from: '2026-02-01', to: '2026-04-01' })).toMatchObject({
      total: '100',
      events: 100,
    });
    // 2026-02-04: events 0, 35 and 70 at 06:00:00, 06:00:35 and 06:01:10.
    expect(
      await usage('pg-spread', { from: '2026-02-04T06:00:01Z', to: '2026-02-04T12:00:00Z' }),
    ).toMatchObject({ total: '2', events: 2 });
  });
});
