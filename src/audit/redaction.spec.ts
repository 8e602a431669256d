import { REDACTED, redact, redactText } from './redaction';

describe('audit redaction', () => {
  it('drops values of secret-named keys at any depth', () => {
    expect(
      redact({
        password: 'hunter2',
        nested: { clientSecret: 'x', apiKey: 'k', api_key: 'k', token: 't', cardNumber: '1' },
        list: [{ cvv: '123' }],
        name: 'kept',
      }),
    ).toEqual({
      password: REDACTED,
      nested: {
        clientSecret: REDACTED,
        apiKey: REDACTED,
        api_key: REDACTED,
        token: REDACTED,
        cardNumber: REDACTED,
      },
      list: [{ cvv: REDACTED }],
      name: 'kept',
    });
  });

  it.each([
    ['a Stripe live key', 'key sk_live_51HxAbCdEf012345 used', `key ${REDACTED} used`],
    ['a Stripe test key', 'rk_test_abc123', REDACTED],
    ['a webhook secret', 'whsec_abcdef123', REDACTED],
    ['a bearer token', 'Authorization: Bearer abc.def-123', `Authorization: Bearer ${REDACTED}`],
    ['a card number', 'paid with 4242 4242 4242 4242 today', `paid with ${REDACTED} today`],
    ['a dashed card number', '5555-5555-5555-4444', REDACTED],
    ['an e-mail address', 'contact jane.doe@example.com now', 'contact j***@example.com now'],
  ])('masks %s in free text', (_, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('keeps numbers that are not card numbers', () => {
    expect(redactText('order 1234567890123 total 1500')).toBe('order 1234567890123 total 1500');
  });
});
