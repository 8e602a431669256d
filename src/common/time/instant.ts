import { z } from 'zod';
import { ValidationFailed } from '../errors/domain-error';

/**
 * The one parser for dates and instants that clients send (usage timestamps, `from`/`to`, plan
 * `effectiveFrom`, …). JavaScript's `Date` must never see a client's string first: it rolls
 * impossible values over (`2026-11-31` becomes 1 December, `T24:00` the next day) instead of
 * refusing them, which billed such usage in the wrong month.
 *
 * Accepted forms:
 * - `date-time`: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `Z` or `±HH:MM` (fraction ≤ 9 digits,
 *   kept to the millisecond);
 * - `date-or-date-time`: that, or `YYYY-MM-DD`, which means midnight UTC.
 * Every part must exist: the day in its month (29 February only in leap years), hours 00-23,
 * minutes and seconds 00-59, offsets up to ±23:59.
 */
export type InstantForm = 'date-time' | 'date-or-date-time';

export type InstantCheck =
  { ok: true; date: Date; dateOnly: boolean } | { ok: false; problem: string };

/** Calendar check from zod (leap years, days per month), so none of it is written here. */
const CALENDAR_DAY = z.iso.date();
const SHAPE =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

const FORM_DESCRIPTION: Record<InstantForm, string> = {
  'date-time': 'must be an ISO-8601 date-time with a time zone, such as 2026-11-24T10:00:00Z',
  'date-or-date-time':
    'must be a date (YYYY-MM-DD, midnight UTC) or an ISO-8601 date-time with a time zone, such as 2026-11-24T10:00:00Z',
};

export function checkInstant(value: unknown, form: InstantForm): InstantCheck {
  const shape = typeof value === 'string' ? SHAPE.exec(value) : null;
  if (!shape) return { ok: false, problem: FORM_DESCRIPTION[form] };
  const [, day, hh, mm, ss = '0', fraction = '', zone, sign, offH, offM] = shape;
  const dateOnly = hh === undefined;
  if (dateOnly && form === 'date-time') return { ok: false, problem: FORM_DESCRIPTION[form] };
  if (!CALENDAR_DAY.safeParse(day).success) {
    return { ok: false, problem: `is not a real date: ${day} does not exist` };
  }
  if (!dateOnly) {
    const [hours, minutes, seconds] = [Number(hh), Number(mm), Number(ss)];
    if (hours > 23 || minutes > 59 || seconds > 59) {
      return {
        ok: false,
        problem: `is not a real time of day: ${hh}:${mm}:${ss.padStart(2, '0')}`,
      };
    }
    if (zone !== 'Z' && (Number(offH) > 23 || Number(offM) > 59)) {
      return { ok: false, problem: `has an impossible time-zone offset: ${sign}${offH}:${offM}` };
    }
  }
  const [year, month, dayOfMonth] = day.split('-').map(Number);
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, dayOfMonth);
  if (!dateOnly) {
    date.setUTCHours(
      Number(hh),
      Number(mm),
      Number(ss),
      Number(fraction.padEnd(3, '0').slice(0, 3)),
    );
    if (zone !== 'Z') {
      const offsetMinutes = (Number(offH) * 60 + Number(offM)) * (sign === '-' ? -1 : 1);
      date.setTime(date.getTime() - offsetMinutes * 60_000);
    }
  }
  if (Number.isNaN(date.getTime())) return { ok: false, problem: FORM_DESCRIPTION[form] };
  return { ok: true, date, dateOnly };
}

/** `checkInstant` for request fields: a 400 VALIDATION_FAILED naming `field` otherwise. */
export function parseInstant(
  value: unknown,
  field: string,
  form: InstantForm = 'date-or-date-time',
): Date {
  const checked = checkInstant(value, form);
  if (!checked.ok) {
    throw new ValidationFailed([{ field, messages: [`${field} ${checked.problem}`] }]);
  }
  return checked.date;
}
