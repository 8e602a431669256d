import { ValidationFailed } from '../errors/domain-error';
import type { Decimal } from './decimal';
import { currencyExponent, parseDecimal } from './money';
import { InvalidDecimalError } from './money.errors';

/** Far beyond any real amount; keeps absurd input out of the arithmetic. */
const MAX_AMOUNT_INTEGER_DIGITS = 15;

/**
 * An amount of money a client sent in `field`: a decimal string in `currency` with no more
 * places than the currency has (USD 2, JPY 0, KWD 3), greater than 0 (or ≥ 0 with
 * `allowZero`). Refused with a 400 naming the field otherwise.
 */
export function moneyInput(
  value: string,
  currency: string,
  field: string,
  options: { allowZero?: boolean } = {},
): Decimal {
  const places = currencyExponent(currency);
  let amount: Decimal;
  try {
    amount = parseDecimal(value, {
      maxDecimalPlaces: places,
      maxIntegerDigits: MAX_AMOUNT_INTEGER_DIGITS,
    });
  } catch (error) {
    if (!(error instanceof InvalidDecimalError)) throw error;
    const message =
      error.reason === 'too_many_decimals'
        ? `${field} must have at most ${places} decimal places in ${currency}`
        : `${field} ${error.message}`;
    throw new ValidationFailed([{ field, messages: [message] }]);
  }
  if (options.allowZero ? amount.isNegative() : !amount.greaterThan(0)) {
    const bound = options.allowZero ? 'greater than or equal to 0' : 'greater than 0';
    throw new ValidationFailed([{ field, messages: [`${field} must be ${bound}`] }]);
  }
  return amount;
}
