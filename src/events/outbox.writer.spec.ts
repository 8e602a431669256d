import type { ConfigService } from '@nestjs/config';
import { RandomIdGenerator } from '../common/ids';
import { SystemClock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import type { BillingEventMap } from './billing-event-map';
import type { BillingEvent } from './billing-event.model';
import { EventTooLarge, OutboxBatchTooLarge } from './events.errors';
import { DYNAMODB_ITEM_LIMIT_BYTES, type StoredOutboxItem } from './outbox.model';
import { OutboxRepository } from './outbox.repository';
import { OutboxWriter } from './outbox.writer';
import type { BillingEventSubscriptions } from './subscriptions/billing-event-subscriptions';

const writer = (publishingEnabled = true) =>
  new OutboxWriter(
    new OutboxRepository({ table: 'billing' } as ConstructorParameters<typeof OutboxRepository>[0]),
    new SystemClock(),
    new RandomIdGenerator(),
    { wants: () => false } as unknown as BillingEventSubscriptions,
    { get: () => ({ publishingEnabled }) } as unknown as ConfigService<AppConfig, true>,
  );

describe('OutboxWriter', () => {
  const w = writer();
  const usage = (quantity = '1', extra: Record<string, unknown> = {}) =>
    w.event(
      'billing.usage.tracked',
      // Loose on purpose: the writer must store whatever JSON a producer hands it.
      {
        endpoint: '/api/x',
        quantity,
        ...extra,
      } as unknown as BillingEventMap['billing.usage.tracked'],
      { customerId: 'c1' },
    );

  it('puts all events of one change into one conditional outbox item', () => {
    const events = [usage('1'), usage('2')];
    const put = w.entryFor(events)?.Put;

    expect(put?.TableName).toBe('billing');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    const item = put?.Item as StoredOutboxItem;
    expect(item.pk).toMatch(/^OUTBOX#0[0-7]$/);
    expect(item.sk).toBe(`${item.createdAt}#${item.id}`);
    expect(item).toMatchObject({ type: 'OutboxBatch', eventCount: 2, attempts: 0 });
    expect(JSON.parse(item.payload)).toEqual(events);
  });

  it('stores nothing when publishing is disabled or there are no events', () => {
    expect(writer(false).entryFor([usage()])).toBeUndefined();
    expect(w.entryFor([])).toBeUndefined();
  });

  it('accepts 100 usage events and refuses a batch that would not fit in a DynamoDB item', () => {
    expect(w.entryFor(Array.from({ length: 100 }, () => usage()))).toBeDefined();

    const fat = Array.from({ length: 4 }, () => usage('1', { note: 'x'.repeat(100 * 1024) }));
    expect(() => w.entryFor(fat)).toThrow(OutboxBatchTooLarge);
    expect(JSON.stringify(w.entryFor(fat.slice(0, 3))).length).toBeLessThan(
      DYNAMODB_ITEM_LIMIT_BYTES,
    );
  });

  it('refuses an event EventBridge could never accept, and duplicate ids', () => {
    expect(() => w.entryFor([usage('1', { note: 'x'.repeat(300 * 1024) })])).toThrow(EventTooLarge);
    const one = usage();
    expect(() => w.entryFor([one, one])).toThrow(/same eventId/);
  });

  it('stores exactly what will be sent (JSON), e.g. dates as ISO strings', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const item = w.entryFor([usage('1', { at, skipped: undefined })])?.Put
      ?.Item as StoredOutboxItem;
    expect((JSON.parse(item.payload) as BillingEvent[])[0].data).toEqual({
      endpoint: '/api/x',
      quantity: '1',
      at: at.toISOString(),
    });
  });
});
