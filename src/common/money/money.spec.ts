import {
  Dec,
  currencyExponent,
  formatMoney,
  fromMinorUnits,
  InvalidDecimalError,
  isKnownCurrency,
  jsonDecimalProblem,
  MoneyPrecisionError,
  parseDecimal,
  parseJsonDecimal,
  roundToMinor,
  sumDecimals,
  toMinorUnits,
  UnknownCurrencyError,
} from './index';
import { ISO_4217_MINOR_UNITS } from './currencies.data';

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['ISK', 0],
    ['VND', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['CLF', 4],
  ])('%s has %i minor digits', (code, digits) => {
    expect(currencyExponent(code)).toBe(digits);
  });

  it.each(['usd', 'XXX', 'XAU', 'ABC', '', 'USDX', 'constructor'])(
    'rejects %p as unknown',
    (code) => {
      expect(() => currencyExponent(code)).toThrow(UnknownCurrencyError);
      expect(isKnownCurrency(code)).toBe(false);
    },
  );

  it('has a table of ISO 4217 codes that are all three upper-case letters with 0-4 digits', () => {
    expect(ISO_4217_MINOR_UNITS.size).toBeGreaterThan(150);
    for (const [code, digits] of ISO_4217_MINOR_UNITS) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(digits);
    }
  });

  it('isKnownCurrency does not throw on non-strings', () => {
    expect(isKnownCurrency(undefined)).toBe(false);
    expect(isKnownCurrency(840)).toBe(false);
  });
});

describe('roundToMinor / formatMoney', () => {
  it.each([
    ['1.2345', 'USD', '1.23'],
    ['1.235', 'USD', '1.24'],
    ['0.005', 'USD', '0.01'],
    ['0.0049999', 'USD', '0.00'],
    ['7', 'USD', '7.00'],
    ['1200', 'JPY', '1200'],
    ['1200.5', 'JPY', '1201'],
    ['1.2345', 'KWD', '1.235'],
    ['-1.235', 'USD', '-1.24'],
    ['-0.001', 'USD', '0.00'],
    ['123456789012345678.125', 'USD', '123456789012345678.13'],
  ])('%s %s -> %s (half-up)', (amount, currency, expected) => {
    expect(formatMoney(new Dec(amount), currency)).toBe(expected);
    expect(roundToMinor(new Dec(amount), currency).equals(new Dec(expected))).toBe(true);
  });

  it('never uses exponent notation for tiny or huge values', () => {
    expect(new Dec('0.0000001').toString()).toBe('0.0000001');
    expect(formatMoney(new Dec('1e21'), 'USD')).toBe('1000000000000000000000.00');
  });

  it('sums without float error', () => {
    const tenCents = Array.from({ length: 10 }, () => new Dec('0.1'));
    expect(sumDecimals(tenCents).toString()).toBe('1');
    expect(sumDecimals([]).toString()).toBe('0');
  });
});

describe('toMinorUnits / fromMinorUnits', () => {
  it.each([
    ['12.50', 'USD', 1250n],
    ['0', 'USD', 0n],
    ['1200', 'JPY', 1200n],
    ['1.235', 'KWD', 1235n],
    ['92233720368547758.07', 'USD', 9223372036854775807n],
  ])('%s %s -> %s', (amount, currency, minor) => {
    expect(toMinorUnits(new Dec(amount), currency)).toBe(minor);
    expect(fromMinorUnits(minor, currency).equals(new Dec(amount))).toBe(true);
  });

  it('refuses an amount finer than the minor unit instead of rounding it a second time', () => {
    expect(() => toMinorUnits(new Dec('1.005'), 'USD')).toThrow(MoneyPrecisionError);
    expect(() => toMinorUnits(new Dec('0.5'), 'JPY')).toThrow(MoneyPrecisionError);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', '0'],
    ['12.50', '12.5'],
    ['0.000000000001', '0.000000000001'],
    ['1000000000', '1000000000'],
    ['007.5', '7.5'],
  ])('accepts %p', (input, value) => {
    expect(parseDecimal(input).toString()).toBe(value);
  });

  it.each([
    ['', 'empty'],
    ['NaN', 'format'],
    ['Infinity', 'format'],
    ['-Infinity', 'format'],
    ['1e3', 'format'],
    ['1E-3', 'format'],
    [' 1', 'format'],
    ['1 ', 'format'],
    ['+1', 'format'],
    ['.5', 'format'],
    ['5.', 'format'],
    ['1,000', 'format'],
    ['0x1f', 'format'],
    ['1.2.3', 'format'],
    ['-1', 'negative'],
    ['123456789012345678901', 'too_many_digits'],
  ])('rejects %p (%s)', (input, reason) => {
    try {
      parseDecimal(input);
      throw new Error('expected parseDecimal to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDecimalError);
      expect((error as InvalidDecimalError).reason).toBe(reason);
      expect((error as InvalidDecimalError).code).toBe('INVALID_DECIMAL');
    }
  });

  it('rejects non-strings, including JS numbers', () => {
    expect(() => parseDecimal(1.5)).toThrow(InvalidDecimalError);
    expect(() => parseDecimal(null)).toThrow(InvalidDecimalError);
  });

  it('limits decimal places when asked', () => {
    expect(parseDecimal('0.123456', { maxDecimalPlaces: 6 }).toString()).toBe('0.123456');
    expect(() => parseDecimal('0.1234567', { maxDecimalPlaces: 6 })).toThrow(/at most 6 decimal/);
    expect(() => parseDecimal('1.5', { maxDecimalPlaces: 0 })).toThrow(InvalidDecimalError);
  });

  it('accepts negatives only when allowed', () => {
    expect(parseDecimal('-2.50', { allowNegative: true }).toString()).toBe('-2.5');
  });
});

describe('parseJsonDecimal: one rule for JSON numbers and strings', () => {
  it.each([
    [2.5, '2.5'],
    ['2.5', '2.5'],
    [0, '0'],
    [1000, '1000'],
    [1e3, '1000'], // the same JSON number as 1000: JSON.parse cannot tell them apart
    [0.000001, '0.000001'],
    ['007.50', '7.5'],
  ])('accepts %p as %s', (input, value) => {
    expect(parseJsonDecimal(input, { maxDecimalPlaces: 6 }).toFixed()).toBe(value);
  });

  it.each([
    [-0, 'negative'],
    ['-0', 'negative'],
    [-1, 'negative'],
    [1e-7, 'format'], // shortest form "1e-7"
    [1e21, 'format'], // shortest form "1e+21"
    [Infinity, 'format'],
    [NaN, 'format'],
    ['1e3', 'format'],
    [0.1234567, 'too_many_decimals'],
    [null, 'not_a_string'],
    [true, 'not_a_string'],
    [{}, 'not_a_string'],
  ])('refuses %p (%s)', (input, reason) => {
    try {
      parseJsonDecimal(input, { maxDecimalPlaces: 6 });
      throw new Error('expected parseJsonDecimal to throw');
    } catch (error) {
      expect((error as InvalidDecimalError).reason).toBe(reason);
    }
  });

  it('takes -0 where negatives are allowed', () => {
    expect(parseJsonDecimal(-0, { allowNegative: true }).isZero()).toBe(true);
  });

  it('reports problems as text', () => {
    expect(jsonDecimalProblem('1.5')).toBeNull();
    expect(jsonDecimalProblem(null)).toBe('must be a decimal number or string');
  });
});
