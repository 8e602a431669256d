import { Dec, type Decimal } from './decimal';
import { ISO_4217_MINOR_UNITS } from './currencies.data';
import { InvalidDecimalError, MoneyPrecisionError, UnknownCurrencyError } from './money.errors';

const CURRENCY_CODE = /^[A-Z]{3}$/;

/** True for an upper-case ISO 4217 code with a minor unit. Lower case is rejected, not fixed up. */
export function isKnownCurrency(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_CODE.test(code) && ISO_4217_MINOR_UNITS.has(code);
}

/** Digits after the decimal point for the currency (USD 2, JPY 0, KWD 3). */
export function currencyExponent(code: string): number {
  const exponent = isKnownCurrency(code) ? ISO_4217_MINOR_UNITS.get(code) : undefined;
  if (exponent === undefined) throw new UnknownCurrencyError(code);
  return exponent;
}

/**
 * Half-up to the currency's minor unit. decimal.js ROUND_HALF_UP rounds ties away from zero, so
 * -1.235 becomes -1.24: refunds round symmetrically with charges.
 */
export function roundToMinor(amount: Decimal, currency: string): Decimal {
  return amount.toDecimalPlaces(currencyExponent(currency), Dec.ROUND_HALF_UP);
}

/** Exactly the currency's decimals, no exponent, no thousands separator: "7.00", "1200", "1.235". */
export function formatMoney(amount: Decimal, currency: string): string {
  const rounded = roundToMinor(amount, currency);
  // A negative amount that rounds to zero must not print as "-0.00".
  return (rounded.isZero() ? new Dec(0) : rounded).toFixed(currencyExponent(currency));
}

/**
 * Integer amount in minor units, as Stripe wants it ("12.50" USD -> 1250n, 1200 JPY -> 1200n).
 * Refuses amounts finer than the minor unit instead of rounding them: rounding happens once, in
 * pricing, and a second silent rounding here would hide a caller that skipped it.
 */
export function toMinorUnits(amount: Decimal, currency: string): bigint {
  const exponent = currencyExponent(currency);
  if (amount.decimalPlaces() > exponent) {
    throw new MoneyPrecisionError(amount.toFixed(), currency);
  }
  return BigInt(amount.times(new Dec(10).pow(exponent)).toFixed(0));
}

/** Inverse of toMinorUnits, for amounts coming back from Stripe. */
export function fromMinorUnits(minor: bigint, currency: string): Decimal {
  return new Dec(minor.toString()).dividedBy(new Dec(10).pow(currencyExponent(currency)));
}

export interface ParseDecimalOptions {
  /** Reject more digits after the point than this (e.g. 12 for unit amounts, 6 for quantities). */
  maxDecimalPlaces?: number;
  /** Default false: prices, quantities and fees are never negative. */
  allowNegative?: boolean;
  /** Guards against absurd inputs that would exceed the working precision. Default 20. */
  maxIntegerDigits?: number;
}

// Plain positional notation only: no exponent, no leading "+" or ".", no trailing ".", no spaces.
const DECIMAL_STRING = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Strict parser for decimal strings from JSON bodies, plan documents and the database. Anything
 * decimal.js would accept but a person would not write as money ("1e3", "Infinity", " 1", "0x1f")
 * is rejected with an InvalidDecimalError that says why.
 */
export function parseDecimal(input: unknown, options: ParseDecimalOptions = {}): Decimal {
  const { maxDecimalPlaces, allowNegative = false, maxIntegerDigits = 20 } = options;
  if (typeof input !== 'string') {
    throw new InvalidDecimalError(input, 'not_a_string', 'must be a decimal string');
  }
  if (input.length === 0) {
    throw new InvalidDecimalError(input, 'empty', 'must not be empty');
  }
  const match = DECIMAL_STRING.exec(input);
  if (!match) {
    throw new InvalidDecimalError(
      input,
      'format',
      'must be a plain decimal number such as "12.50" (no exponent, sign or spaces)',
    );
  }
  const [, sign, integerPart, fraction = ''] = match;
  if (sign === '-' && !allowNegative) {
    throw new InvalidDecimalError(input, 'negative', 'must not be negative');
  }
  if (maxDecimalPlaces !== undefined && fraction.length > maxDecimalPlaces) {
    throw new InvalidDecimalError(
      input,
      'too_many_decimals',
      `must have at most ${maxDecimalPlaces} decimal places`,
    );
  }
  if (integerPart.replace(/^0+(?=\d)/, '').length > maxIntegerDigits) {
    throw new InvalidDecimalError(
      input,
      'too_many_digits',
      `must have at most ${maxIntegerDigits} digits before the decimal point`,
    );
  }
  return new Dec(input);
}

/** parseDecimal as a predicate, for validators that collect problems instead of throwing. */
export function decimalProblem(input: unknown, options: ParseDecimalOptions = {}): string | null {
  try {
    parseDecimal(input, options);
    return null;
  } catch (error) {
    if (error instanceof InvalidDecimalError) return error.message;
    throw error;
  }
}

/**
 * A decimal from a JSON body, written as a string or as a number: one rule for both. Strings
 * follow parseDecimal. JSON.parse keeps no trace of how a number was written (`1e3` and `1000`
 * are the same number), so a number is judged by its value through its shortest decimal form
 * (`String(n)`), which must pass the same parseDecimal: `1000` and `1e3` give "1000", `2.5`
 * "2.5", while `1e-7` ("1e-7") and `1e21` ("1e+21") are refused like those strings would be.
 * `-0` is negative (as "-0" is), so it is refused unless negatives are allowed. Anything else
 * (null, booleans, objects) is refused: an absent value is the caller's default, null is not.
 */
export function parseJsonDecimal(input: unknown, options: ParseDecimalOptions = {}): Decimal {
  if (typeof input === 'number') {
    if (Object.is(input, -0) && !options.allowNegative) {
      throw new InvalidDecimalError(input, 'negative', 'must not be negative');
    }
    return parseDecimal(String(input), options);
  }
  if (typeof input !== 'string') {
    throw new InvalidDecimalError(input, 'not_a_string', 'must be a decimal number or string');
  }
  return parseDecimal(input, options);
}

/** parseJsonDecimal as a predicate: the problem, or null when the input is fine. */
export function jsonDecimalProblem(
  input: unknown,
  options: ParseDecimalOptions = {},
): string | null {
  try {
    parseJsonDecimal(input, options);
    return null;
  } catch (error) {
    if (error instanceof InvalidDecimalError) return error.message;
    throw error;
  }
}
