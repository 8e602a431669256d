export { Dec, ZERO, maxDecimal, sumDecimals, type Decimal } from './decimal';
export {
  currencyExponent,
  decimalProblem,
  formatMoney,
  fromMinorUnits,
  isKnownCurrency,
  jsonDecimalProblem,
  parseDecimal,
  parseJsonDecimal,
  roundToMinor,
  toMinorUnits,
  type ParseDecimalOptions,
} from './money';
export {
  InvalidDecimalError,
  MoneyPrecisionError,
  UnknownCurrencyError,
  type InvalidDecimalReason,
} from './money.errors';
export { moneyInput } from './money-input';
