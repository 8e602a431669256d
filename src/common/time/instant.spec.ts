import { ValidationFailed } from '../errors/domain-error';
import { checkInstant, parseInstant } from './instant';

const iso = (value: string, form: 'date-time' | 'date-or-date-time' = 'date-or-date-time') => {
  const checked = checkInstant(value, form);
  return checked.ok ? checked.date.toISOString() : `refused: ${checked.problem}`;
};

describe('instants', () => {
  it.each([
    ['2026-11-24', '2026-11-24T00:00:00.000Z'],
    ['2026-11-24T10:00Z', '2026-11-24T10:00:00.000Z'],
    ['2026-11-24T10:00:05Z', '2026-11-24T10:00:05.000Z'],
    ['2026-11-24T10:00:05.1Z', '2026-11-24T10:00:05.100Z'],
    ['2026-11-24T10:00:05.123456789Z', '2026-11-24T10:00:05.123Z'],
    ['2026-11-30T23:00:00-05:00', '2026-12-01T04:00:00.000Z'],
    ['2026-12-01T01:30:00+05:30', '2026-11-30T20:00:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999+23:59', '2026-12-31T00:00:59.999Z'],
  ])('reads %s as %s', (value, expected) => {
    expect(iso(value)).toBe(expected);
  });

  it.each([
    ['2026-11-31', 'is not a real date: 2026-11-31 does not exist'],
    ['2026-11-31T12:00:00Z', 'is not a real date: 2026-11-31 does not exist'],
    ['2026-11-31T23:00:00-05:00', 'is not a real date: 2026-11-31 does not exist'],
    ['2027-02-29T00:00:00Z', 'is not a real date: 2027-02-29 does not exist'],
    ['1900-02-29', 'is not a real date: 1900-02-29 does not exist'],
    ['2026-04-31', 'is not a real date: 2026-04-31 does not exist'],
    ['2026-00-10', 'is not a real date: 2026-00-10 does not exist'],
    ['2026-13-01', 'is not a real date: 2026-13-01 does not exist'],
    ['2026-11-32', 'is not a real date: 2026-11-32 does not exist'],
    ['2026-11-30T24:00:00Z', 'is not a real time of day: 24:00:00'],
    ['2026-11-30T23:60Z', 'is not a real time of day: 23:60:00'],
    ['2026-11-30T23:59:60Z', 'is not a real time of day: 23:59:60'],
    ['2026-11-30T12:00:00+24:00', 'has an impossible time-zone offset: +24:00'],
    ['2026-11-30T12:00:00-05:60', 'has an impossible time-zone offset: -05:60'],
  ])('refuses %s: %s', (value, problem) => {
    expect(iso(value)).toBe(`refused: ${problem}`);
  });

  it.each([
    '2026-11-30T12:00:00', // no zone
    '2026-11-30 12:00:00Z',
    '2026-11-30t12:00:00z',
    '2026-11-30T12Z',
    '2026-11-30T12:00:00.Z',
    '2026-11-30T12:00:00.1234567890Z',
    '2026-11-30T12:00:00+0500',
    '2026-11-30T12:00:00+05',
    '20261130',
    '2026-W48',
    '2026-334',
    '+002026-11-30',
    ' 2026-11-30',
    '2026-11-30\n',
    '1764504000000',
    '',
  ])('refuses the form %j', (value) => {
    expect(iso(value)).toMatch(/^refused: must be a date \(YYYY-MM-DD/);
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 1764504000000, {}, ['2026-11-30']]) {
      expect(checkInstant(value, 'date-or-date-time').ok).toBe(false);
    }
  });

  it('takes no bare date where a date-time is required', () => {
    expect(iso('2026-11-30', 'date-time')).toMatch(/^refused: must be an ISO-8601 date-time/);
    expect(iso('2026-11-30T00:00:00Z', 'date-time')).toBe('2026-11-30T00:00:00.000Z');
  });

  it('raises a 400 that names the field', () => {
    expect(() => parseInstant('2026-11-31', 'from')).toThrow(ValidationFailed);
    try {
      parseInstant('2026-02-29T00:00:00Z', 'to');
    } catch (error) {
      expect((error as ValidationFailed).details).toEqual({
        fields: [{ field: 'to', messages: ['to is not a real date: 2026-02-29 does not exist'] }],
      });
    }
    expect.assertions(2);
  });
});
