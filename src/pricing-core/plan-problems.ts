import { decimalProblem } from '../common/money';
import type { PlanProblem } from './pricing.errors';

// The checks validatePlan and every charge model share, so each model words its problems the same
// way ("is required", "is not a known field", ...).

/** Unit amounts go to 12 decimal places, like Stripe's unit_amount_decimal. */
export const MAX_AMOUNT_DECIMALS = 12;
const MAX_ID_LENGTH = 128;

export type PlanObject = Record<string, unknown>;

export function isObject(value: unknown): value is PlanObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Collects every problem of a plan document, each with the path of the field at fault. */
export class PlanProblems {
  readonly list: PlanProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  /** A decimal string amount (or number) with at most MAX_AMOUNT_DECIMALS places. */
  amount(obj: PlanObject, key: string, path: string, required = true): void {
    const value = obj[key];
    if (value === undefined && !required) return;
    if (value === undefined) return this.add(`${path}${key}`, 'is required');
    const problem = decimalProblem(value, { maxDecimalPlaces: MAX_AMOUNT_DECIMALS });
    if (problem) this.add(`${path}${key}`, problem);
  }

  text(obj: PlanObject, key: string, path: string): void {
    const value = obj[key];
    if (typeof value !== 'string' || value.trim().length === 0) {
      this.add(`${path}${key}`, 'must be a non-empty string');
    } else if (value.length > MAX_ID_LENGTH) {
      this.add(`${path}${key}`, `must be at most ${MAX_ID_LENGTH} characters`);
    }
  }

  /**
   * Unknown fields are rejected because a typo such as "flat_amount" would otherwise be ignored
   * and silently change what customers pay.
   */
  unknownFields(obj: PlanObject, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.add(`${path}${key}`, 'is not a known field');
    }
  }
}
