import { MemoryThrottlerStorage } from './memory-throttler-storage';

describe('MemoryThrottlerStorage', () => {
  const MINUTE = 60_000;
  let storage: MemoryThrottlerStorage;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-05T00:00:00Z') });
    storage = new MemoryThrottlerStorage();
  });

  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  const hit = (key = 'key:a', limit = 3, block = MINUTE) =>
    storage.increment(key, MINUTE, limit, block, 'default');

  it('counts hits in a window that starts with the first hit', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    jest.advanceTimersByTime(20_000);
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 40, isBlocked: false });
  });

  it('blocks the key for the block duration once a hit passes the limit, without counting', async () => {
    for (let i = 0; i < 3; i++) expect((await hit()).isBlocked).toBe(false);
    expect(await hit()).toEqual({
      totalHits: 4,
      timeToExpire: 60,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    jest.advanceTimersByTime(45_000);
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 15 });
    jest.advanceTimersByTime(15_000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new count when the window ends', async () => {
    for (let i = 0; i < 3; i++) await hit();
    jest.advanceTimersByTime(MINUTE);
    expect(await hit()).toMatchObject({ totalHits: 1, timeToExpire: 60, isBlocked: false });
  });

  it('keeps keys and throttlers apart', async () => {
    for (let i = 0; i < 4; i++) await hit('key:a');
    expect(await hit('key:b')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('key:a', MINUTE, 3, MINUTE, 'burst')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('without a block duration, refuses hits over the limit until the window ends', async () => {
    for (let i = 0; i < 3; i++) await hit('key:a', 3, 0);
    jest.advanceTimersByTime(10_000);
    expect(await hit('key:a', 3, 0)).toMatchObject({
      totalHits: 4,
      isBlocked: true,
      timeToBlockExpire: 50,
    });
    jest.advanceTimersByTime(50_000);
    expect(await hit('key:a', 3, 0)).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
