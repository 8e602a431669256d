import { ValidateBy, type ValidationOptions } from 'class-validator';
import { checkInstant } from '../time/instant';
import { isPeriodId } from '../time/period';

export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 };

/** Stripe-compatible metadata: up to 50 string keys of ≤ 40 chars with string values ≤ 500. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          if (Object.getPrototypeOf(value) !== Object.prototype) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= METADATA_LIMITS.keys &&
            entries.every(
              ([k, v]) =>
                k.length > 0 &&
                k.length <= METADATA_LIMITS.keyLength &&
                !['__proto__', 'constructor', 'prototype'].includes(k) &&
                typeof v === 'string' &&
                v.length <= METADATA_LIMITS.valueLength,
            )
          );
        },
        defaultMessage: () =>
          `$property must be an object of at most ${METADATA_LIMITS.keys} string values (keys ≤ ${METADATA_LIMITS.keyLength} characters, values ≤ ${METADATA_LIMITS.valueLength})`,
      },
    },
    options,
  );
}

/**
 * `from`/`to` of every route: `YYYY-MM-DD` (midnight UTC) or an ISO-8601 date-time with a zone,
 * read by the one shared parser (days that do not exist are refused, never rolled over).
 */
export function IsDateOrInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateOrInstant',
      validator: {
        validate: (value: unknown) => checkInstant(value, 'date-or-date-time').ok,
        defaultMessage: (args) => {
          const checked = checkInstant(args?.value, 'date-or-date-time');
          return `$property ${checked.ok ? 'is invalid' : checked.problem}`;
        },
      },
    },
    options,
  );
}

/** A billing period, `YYYY-MM` (the same rule as parsePeriod). */
export function IsPeriod(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPeriod',
      validator: {
        validate: (value: unknown) => isPeriodId(value),
        defaultMessage: () => '$property must be a month as YYYY-MM',
      },
    },
    options,
  );
}
