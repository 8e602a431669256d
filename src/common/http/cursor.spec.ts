import { InvalidCursor } from '../errors/domain-error';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips a key', () => {
    const key = { pk: 'CUSTOMER#a', sk: 'PROFILE', gsi1pk: 'CUSTOMERS', gsi1sk: 'a' };
    expect(decodeCursor(encodeCursor(key)!, { gsi1pk: 'CUSTOMERS' })).toEqual(key);
  });

  it.each([
    ['not base64 json', '%%%'],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['foreign attributes', Buffer.from('{"x":"1"}').toString('base64url')],
    ['non-string values', Buffer.from('{"pk":1}').toString('base64url')],
  ])('rejects %s', (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursor);
  });

  it('rejects a cursor for another partition', () => {
    const cursor = encodeCursor({ gsi1pk: 'PLANS', gsi1sk: 'x', pk: 'p', sk: 's' })!;
    expect(() => decodeCursor(cursor, { gsi1pk: 'CUSTOMERS' })).toThrow(InvalidCursor);
  });
});
