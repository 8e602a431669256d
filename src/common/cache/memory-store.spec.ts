import { memoryStore } from './cache.module';

describe('the in-process cache store', () => {
  it('hands out what it stores without copying it, frozen, so no reader can change it for others', async () => {
    const store = memoryStore(60_000, 100);
    const customer = { id: 'c-1', tags: ['a'], billing: { currency: 'EUR' } };
    await store.set('customer:c-1', customer);
    const read = await store.get<typeof customer>('customer:c-1');
    expect(read).toBe(customer);
    expect(Object.isFrozen(read)).toBe(true);
    expect(Object.isFrozen(read!.tags)).toBe(true);
    expect(Object.isFrozen(read!.billing)).toBe(true);
    expect(() => {
      read!.billing.currency = 'USD';
    }).toThrow(TypeError);
    expect(() => read!.tags.push('b')).toThrow(TypeError);
    expect((await store.get<typeof customer>('customer:c-1'))!.billing.currency).toBe('EUR');
  });

  it('still evicts beyond its size and expires entries', async () => {
    const store = memoryStore(50, 2);
    await store.set('a', 'text');
    await store.set('b', 2);
    await store.set('c', 3);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('c')).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get('c')).toBeUndefined();
  });
});
