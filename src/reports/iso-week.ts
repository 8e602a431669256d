const DAY_MS = 86_400_000;

/**
 * ISO-8601 week of a UTC day (`YYYY-MM-DD`), labelled `2026-W47`. Weeks start on Monday and
 * belong to the year of their Thursday, so 2027-01-01 (a Friday) is in `2026-W53`.
 */
export function isoWeek(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const mondayBased = (date.getUTCDay() + 6) % 7;
  const thursday = new Date(date.getTime() + (3 - mondayBased) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
