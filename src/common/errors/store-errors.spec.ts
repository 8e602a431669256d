import { isStoreUnavailable } from './store-errors';

describe('isStoreUnavailable', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['throttling', Object.assign(new Error('slow down'), { name: 'ThrottlingException' })],
    [
      'a wrapped transport error',
      Object.assign(
        new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'),
        { $metadata: {} },
      ),
    ],
    ['a cause chain', Object.assign(new Error('outer'), { cause: { code: 'ECONNRESET' } })],
  ])('recognises %s', (_, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'a failed condition',
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a validation error',
      Object.assign(new Error('bad'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('does not mistake %s for an outage', (_, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});
