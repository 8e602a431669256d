import { Decimal } from 'decimal.js';

/**
 * The one decimal constructor for money and quantities. Never do arithmetic on a JS `number`:
 * 0.1 + 0.2 !== 0.3 and large sums lose cents.
 *
 * precision 50: a line multiplies a 12-decimal unit amount by a quantity with 6 decimals that may
 * reach 1e15, which needs about 40 significant digits to stay exact; 50 leaves headroom so only
 * genuinely non-terminating values (a proration factor like 17/31) are ever rounded internally.
 * toExpNeg/toExpPos are pushed out so toString() never emits exponent notation ("1e-7").
 */
export const Dec = Decimal.clone({
  precision: 50,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

// Instances of a clone are still `Decimal` for the type checker, so callers import the type here.
export type { Decimal };

export const ZERO = new Dec(0);

/** Sum of decimals; an empty list sums to zero. */
export function sumDecimals(values: readonly Decimal[]): Decimal {
  return values.reduce((acc: Decimal, v) => acc.plus(v), ZERO);
}

export function maxDecimal(a: Decimal, b: Decimal): Decimal {
  return a.greaterThanOrEqualTo(b) ? a : b;
}
