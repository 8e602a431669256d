import { inflateRawSync } from 'node:zlib';
import { fromPageAttributes, PAGE_DEFLATE_ABOVE_BYTES, toPageAttributes } from './usage-event-page';

describe('event pages', () => {
  const day = '2026-03-10';

  it('round-trips a short page as text: ids, exact timestamps, endpoints and decimals', () => {
    const events = [
      { eventId: 'a#1', timestamp: '2026-03-10T00:00:00.000Z', endpoint: '/a', quantity: '1' },
      {
        eventId: 'b',
        timestamp: '2026-03-10T23:59:59.999Z',
        endpoint: '/ü/b',
        quantity: '0.000001',
      },
      { eventId: 'c', timestamp: '2026-03-10T12:34:56.789Z', endpoint: '/a', quantity: '1000000' },
    ];
    const stored = toPageAttributes(day, events);
    expect(stored.eventsZ).toBeUndefined();
    // Each endpoint once; timestamps as milliseconds of the day.
    expect(JSON.parse(stored.events!)).toEqual([
      ['/a', '/ü/b'],
      [
        ['a#1', 0, 0, '1'],
        ['b', 86_399_999, 1, '0.000001'],
        ['c', 45_296_789, 0, '1000000'],
      ],
    ]);
    expect(fromPageAttributes(day, stored)).toEqual(events);
  });

  it('deflates a long page (a batch) to a fraction of its text and reads it back', () => {
    const events = Array.from({ length: 96 }, (_, i) => ({
      eventId: `0b6f3c1e-8a52-4d5e-9a51-${String(i).padStart(12, '0')}`,
      timestamp: new Date(Date.parse('2026-03-10T08:00:00.000Z') + i * 1234).toISOString(),
      endpoint: `/api/v1/${i % 5}`,
      quantity: String(i % 7),
    }));
    const stored = toPageAttributes(day, events);
    expect(stored.events).toBeUndefined();
    // The same entries as text: well above the threshold.
    const text = Buffer.byteLength(inflateRawSync(stored.eventsZ!).toString('utf8'));
    expect(text).toBeGreaterThan(PAGE_DEFLATE_ABOVE_BYTES);
    expect(stored.eventsZ!.length).toBeLessThan(text / 2);
    expect(fromPageAttributes(day, stored)).toEqual(events);
  });
});
