import { grouped } from './charge-explanation';

describe('grouped', () => {
  it.each([
    ['0', '0'],
    ['999', '999'],
    ['9000', '9,000'],
    ['1234567.891', '1,234,567.891'],
    ['-12000.5', '-12,000.5'],
  ])('writes %s as %s', (value, expected) => {
    expect(grouped(value)).toBe(expected);
  });
});
