import { checkUsageEvent } from './usage-rules';

const now = new Date('2026-03-15T12:00:00Z');
const check = (raw: unknown) => checkUsageEvent(raw, now, 35);
const base = { customerId: 'acme', endpoint: '/api/search' };

describe('checkUsageEvent', () => {
  it('normalises a minimal event: quantity 1, now, a server-assigned eventId', () => {
    const result = check(base);
    expect('event' in result && result.event).toMatchObject({
      customerId: 'acme',
      endpoint: '/api/search',
      quantity: '1',
      timestamp: '2026-03-15T12:00:00.000Z',
      day: '2026-03-15',
      period: '2026-03',
    });
    expect('event' in result && result.event.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('converts timestamps to UTC and keeps quantities exact', () => {
    const result = check({
      ...base,
      quantity: '0010.500000',
      timestamp: '2026-03-01T01:30:00+02:00',
    });
    expect('event' in result && result.event).toMatchObject({
      quantity: '10.5',
      timestamp: '2026-02-28T23:30:00.000Z',
      day: '2026-02-28',
      period: '2026-02',
    });
  });

  it('puts the first instant of a month in that month only', () => {
    const result = check({ ...base, timestamp: '2026-03-01T00:00:00Z' });
    expect('event' in result && result.event.period).toBe('2026-03');
  });

  it.each([
    ['unknown field', { ...base, extra: 1 }, 'extra'],
    ['missing customer', { endpoint: '/x' }, 'customerId'],
    ['endpoint without slash', { ...base, endpoint: 'api' }, 'endpoint'],
    ['endpoint with spaces', { ...base, endpoint: '/a b' }, 'endpoint'],
    ['endpoint too long', { ...base, endpoint: `/${'a'.repeat(255)}` }, 'endpoint'],
    ['negative quantity', { ...base, quantity: -1 }, 'quantity'],
    ['7 decimals', { ...base, quantity: '0.0000001' }, 'quantity'],
    ['over a million', { ...base, quantity: '1000000.000001' }, 'quantity'],
    ['NaN-like', { ...base, quantity: 'NaN' }, 'quantity'],
    ['exponent', { ...base, quantity: '1e3' }, 'quantity'],
    ['boolean quantity', { ...base, quantity: true }, 'quantity'],
    ['-0 as a number', { ...base, quantity: -0 }, 'quantity'],
    ['"-0"', { ...base, quantity: '-0' }, 'quantity'],
    ['null quantity', { ...base, quantity: null }, 'quantity'],
    ['1e-7 (written 1e-7 as its shortest form)', { ...base, quantity: 1e-7 }, 'quantity'],
    ['31 February', { ...base, timestamp: '2026-02-31T10:00:00Z' }, 'timestamp'],
    ['29 February of 2026', { ...base, timestamp: '2026-02-29T10:00:00Z' }, 'timestamp'],
    [
      '29 February with an offset',
      { ...base, timestamp: '2026-02-29T23:00:00-05:00' },
      'timestamp',
    ],
    ['hour 24', { ...base, timestamp: '2026-03-14T24:00:00Z' }, 'timestamp'],
    ['a bare date', { ...base, timestamp: '2026-03-14' }, 'timestamp'],
    ['6 minutes ahead', { ...base, timestamp: '2026-03-15T12:06:00Z' }, 'timestamp'],
    ['36 days old', { ...base, timestamp: '2026-02-07T11:59:00Z' }, 'timestamp'],
    ['no time zone', { ...base, timestamp: '2026-03-15T12:00:00' }, 'timestamp'],
    ['long eventId', { ...base, eventId: 'e'.repeat(129) }, 'eventId'],
    ['empty eventId', { ...base, eventId: '' }, 'eventId'],
  ])('rejects %s', (_, raw, field) => {
    const result = check(raw);
    expect('error' in result && result.error).toMatchObject({ code: 'INVALID_USAGE', field });
  });

  it('accepts the boundaries: a million, 6 decimals, 5 minutes ahead, 35 days old', () => {
    for (const raw of [
      { ...base, quantity: 1000000 },
      { ...base, quantity: '0.000001' },
      { ...base, quantity: 0 },
      { ...base, quantity: 1e3 }, // the same JSON number as 1000
      { ...base, timestamp: '2026-03-15T12:05:00Z' },
      { ...base, timestamp: '2026-02-08T12:00:00Z' },
    ]) {
      expect(check(raw)).toHaveProperty('event');
    }
  });
});
