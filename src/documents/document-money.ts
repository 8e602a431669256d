import { Dec, currencyExponent, isKnownCurrency } from '../common/money';

const group = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * A decimal string as printed on a document: thousands grouped with `,`, a `.` before the
 * fraction, at least the currency's ISO 4217 minor-unit digits (JPY none, USD two, KWD three)
 * and more only when the value has them (unit prices such as 0.0001). Independent of the
 * process's locale and ICU data, so a document renders the same everywhere.
 */
export function displayAmount(value: string, currency: string): string {
  const exponent = isKnownCurrency(currency) ? currencyExponent(currency) : 2;
  const amount = new Dec(value);
  const places = Math.max(exponent, amount.decimalPlaces());
  const fixed = amount.abs().toFixed(places);
  const [whole, fraction] = fixed.split('.');
  const sign = amount.isNegative() && !amount.isZero() ? '-' : '';
  return `${sign}${group(whole)}${fraction ? `.${fraction}` : ''}`;
}

/** `1,234.50 USD`, `1,235 JPY`, `1.500 KWD`. */
export const displayMoney = (value: string, currency: string): string =>
  `${displayAmount(value, currency)} ${currency}`;

/** A quantity as printed: grouped, its own decimals. */
export const displayQuantity = (value: string): string => {
  const [whole, fraction] = new Dec(value).toFixed().split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  return `${sign}${group(whole.replace('-', ''))}${fraction ? `.${fraction}` : ''}`;
};
