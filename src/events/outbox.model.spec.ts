import {
  DEFLATE_ABOVE_BYTES,
  OUTBOX_ITEM_TYPE,
  type StoredOutboxItem,
  fromStoredOutboxItem,
  toStoredAttributes,
} from './outbox.model';

const stored = (events: unknown[]): StoredOutboxItem => ({
  pk: 'OUTBOX#03',
  sk: '2026-12-05T00:00:00.000Z#id',
  type: OUTBOX_ITEM_TYPE,
  id: 'id',
  shard: 3,
  createdAt: '2026-12-05T00:00:00.000Z',
  payload: JSON.stringify(events),
  eventCount: events.length,
  attempts: 0,
});

const usageEvent = (i: number) => ({
  eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  type: 'billing.usage.tracked',
  time: '2026-12-05T10:00:00.000Z',
  customerId: `cust-${i % 3}`,
  data: {
    usageEventId: `evt-${i}`,
    endpoint: '/api/search',
    quantity: '2',
    timestamp: '2026-12-05T09:59:59.000Z',
  },
});

describe('outbox item payloads', () => {
  it('keeps a short payload as text', () => {
    const item = stored([usageEvent(1)]);
    const attributes = toStoredAttributes(item);
    expect(attributes.payload).toBe(item.payload);
    expect(attributes.payloadZ).toBeUndefined();
    expect(fromStoredOutboxItem(attributes as never).events).toEqual([usageEvent(1)]);
  });

  it('deflates a long payload, several times smaller, and reads back the same events', () => {
    const events = Array.from({ length: 100 }, (_, i) => usageEvent(i));
    const item = stored(events);
    expect(item.payload.length).toBeGreaterThan(DEFLATE_ABOVE_BYTES);
    const attributes = toStoredAttributes(item);
    expect(attributes.payload).toBeUndefined();
    const deflated = attributes.payloadZ as Uint8Array;
    expect(deflated.byteLength * 4).toBeLessThan(item.payload.length);
    const back = fromStoredOutboxItem(attributes as never);
    expect(back.events).toEqual(events);
    expect(back).not.toHaveProperty('payloadZ');
    expect(back).toMatchObject({ id: 'id', eventCount: 100, attempts: 0 });
  });
});
