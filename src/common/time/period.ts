import { ValidationFailed } from '../errors/domain-error';

/** A calendar month in UTC, half-open: [start, end). */
export interface Period {
  /** `YYYY-MM` */
  id: string;
  start: Date;
  end: Date;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function periodOf(instant: Date): Period {
  return periodFromParts(instant.getUTCFullYear(), instant.getUTCMonth() + 1);
}

function periodFromParts(year: number, month: number): Period {
  const start = new Date(Date.UTC(year, month - 1, 1));
  const end = new Date(Date.UTC(year, month, 1));
  return { id: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`, start, end };
}

/** `YYYY-MM` from the year 2000 on: the one period rule of DTOs and parsePeriod. */
export function isPeriodId(value: unknown): value is string {
  const match = typeof value === 'string' ? PERIOD.exec(value) : null;
  return match !== null && Number(match[1]) >= 2000;
}

/** Parses `YYYY-MM`; `field` names the input in the 400 it raises otherwise. */
export function parsePeriod(value: string, field = 'period'): Period {
  const match = PERIOD.exec(value);
  if (!match || !isPeriodId(value)) {
    throw new ValidationFailed([{ field, messages: [`${field} must be a month as YYYY-MM`] }]);
  }
  return periodFromParts(Number(match[1]), Number(match[2]));
}

export function previousPeriod(period: Period): Period {
  return periodOf(new Date(period.start.getTime() - 1));
}
