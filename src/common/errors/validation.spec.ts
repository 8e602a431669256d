import { invalidUnicodeFields } from './validation';

describe('invalidUnicodeFields', () => {
  it('names every field holding a lone surrogate, keys included, by path', () => {
    const body = JSON.parse(
      '{"name":"a\\ud800","ok":"\\ud83d\\ude80","events":[{"endpoint":"/x"},{"endpoint":"/\\udc00"}],"metadata":{"k\\udbff":"v","v":"\\udfff"}}',
    ) as unknown;
    expect(
      invalidUnicodeFields(body)
        .map((p) => p.field)
        .sort(),
    ).toEqual(['events[1].endpoint', 'metadata', 'metadata.v', 'name']);
  });

  it('accepts well-formed text, surrogate pairs included', () => {
    expect(invalidUnicodeFields({ a: 'Rocket \u{1F680}', b: ['é', 1, null, true] })).toEqual([]);
  });

  it('names a bare value by its label', () => {
    expect(invalidUnicodeFields('\ud800', '', 'query')).toEqual([
      { field: 'query', messages: [expect.stringContaining('lone UTF-16 surrogate')] },
    ]);
    expect(invalidUnicodeFields('x\udc00', 'id', 'param')[0].field).toBe('id');
  });
});
