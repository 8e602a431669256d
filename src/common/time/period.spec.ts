import { ValidationFailed } from '../errors/domain-error';
import { parsePeriod, periodOf, previousPeriod } from './period';

describe('periods', () => {
  it('are half-open calendar months in UTC', () => {
    const feb = parsePeriod('2026-02');
    expect(feb.start.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(feb.end.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(periodOf(new Date('2026-02-01T00:00:00Z')).id).toBe('2026-02');
    expect(periodOf(new Date('2026-01-31T23:59:59.999Z')).id).toBe('2026-01');
  });

  it('wrap across years', () => {
    expect(previousPeriod(parsePeriod('2026-01')).id).toBe('2025-12');
    expect(parsePeriod('2025-12').end.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each(['2026-13', '2026-1', '26-01', '2026-00', 'abcd-ef', '1999-12'])('rejects %s', (v) => {
    expect(() => parsePeriod(v)).toThrow(ValidationFailed);
  });
});
