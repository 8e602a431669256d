import { isoWeek } from './iso-week';

describe('isoWeek', () => {
  it.each([
    ['2026-11-16', '2026-W47'], // Monday
    ['2026-11-22', '2026-W47'], // Sunday of the same week
    ['2026-11-23', '2026-W48'],
    ['2026-01-01', '2026-W01'], // Thursday: week 1 of its own year
    ['2025-12-29', '2026-W01'], // Monday before: already 2026's first week
    ['2027-01-01', '2026-W53'], // Friday: still the last week of 2026
    ['2027-01-04', '2027-W01'],
    ['2021-01-03', '2020-W53'],
    ['2024-12-30', '2025-W01'],
  ])('%s is in %s', (day, week) => {
    expect(isoWeek(day)).toBe(week);
  });
});
