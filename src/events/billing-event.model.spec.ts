import {
  type BillingEvent,
  MAX_PUT_EVENTS_BYTES,
  batchesForPutEvents,
  eventEntrySize,
  toPutEventsEntry,
} from './billing-event.model';

const event = (n: number, data: Record<string, unknown> = {}): BillingEvent => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'billing.usage.tracked',
  occurredAt: '2026-03-01T10:00:00.000Z',
  customerId: 'acme',
  data: { endpoint: '/api/search', quantity: '1', ...data },
});

describe('billing event → EventBridge entry', () => {
  it('carries source, detail type, time and the envelope plus data as Detail', () => {
    const entry = toPutEventsEntry(event(1), 'billing-bus');

    expect(entry).toMatchObject({
      Source: 'augint.billing',
      DetailType: 'billing.usage.tracked',
      EventBusName: 'billing-bus',
      Time: new Date('2026-03-01T10:00:00.000Z'),
    });
    expect(JSON.parse(entry.Detail!)).toEqual({
      eventId: event(1).eventId,
      type: 'billing.usage.tracked',
      occurredAt: '2026-03-01T10:00:00.000Z',
      customerId: 'acme',
      endpoint: '/api/search',
      quantity: '1',
    });
  });

  it('never lets data overwrite the envelope', () => {
    const detail = JSON.parse(
      toPutEventsEntry(event(1, { eventId: 'forged', type: 'x', amount: '5.00' })).Detail!,
    );
    expect(detail).toMatchObject({ eventId: event(1).eventId, type: 'billing.usage.tracked' });
    expect(detail.amount).toBe('5.00');
  });
});

describe('batchesForPutEvents', () => {
  it('splits into calls of at most 10 entries, in order', () => {
    const events = Array.from({ length: 23 }, (_, i) => event(i));
    const batches = batchesForPutEvents(events);

    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(events);
  });

  it('keeps every call under 256 KiB', () => {
    const big = (n: number) => event(n, { blob: 'x'.repeat(100 * 1024) });
    const batches = batchesForPutEvents([big(1), big(2), big(3), event(4)]);

    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    for (const batch of batches) {
      const bytes = batch.reduce((n, e) => n + eventEntrySize(e), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_PUT_EVENTS_BYTES);
    }
  });
});
