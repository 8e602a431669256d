import { DomainError } from '../errors/domain-error';

export type InvalidDecimalReason =
  'not_a_string' | 'empty' | 'format' | 'negative' | 'too_many_decimals' | 'too_many_digits';

export class InvalidDecimalError extends DomainError {
  constructor(
    readonly input: unknown,
    readonly reason: InvalidDecimalReason,
    message: string,
  ) {
    super('INVALID_DECIMAL', 'invalid', message, { reason });
  }
}

export class UnknownCurrencyError extends DomainError {
  constructor(readonly currency: string) {
    super(
      'UNKNOWN_CURRENCY',
      'invalid',
      `Unknown ISO 4217 currency code: ${JSON.stringify(currency)}`,
    );
  }
}

/**
 * An amount finer than the currency's minor unit reached a place that needs whole minor units.
 * A plain Error on purpose: it is a bug in our code, never the client's, so it must surface as 500.
 */
export class MoneyPrecisionError extends Error {
  readonly code = 'MONEY_PRECISION';

  constructor(
    readonly amount: string,
    readonly currency: string,
  ) {
    super(`${amount} has more decimals than ${currency} allows; round it first`);
    this.name = 'MoneyPrecisionError';
  }
}
