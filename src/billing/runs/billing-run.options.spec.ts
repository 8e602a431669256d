import { BillingRunOptions, chunking, MAX_CHUNK_SIZE } from './billing-run.options';

describe('chunking', () => {
  it.each([
    [{}, { size: 25, inFlight: 4 }],
    [{ concurrency: 1 }, { size: 1, inFlight: 1 }], // one customer at a time, as configured
    [{ concurrency: 2 }, { size: 2, inFlight: 1 }],
    [
      { concurrency: 60, chunkSize: 25 },
      { size: 25, inFlight: 3 },
    ],
    [
      { chunkSize: 500, concurrency: 500 },
      { size: MAX_CHUNK_SIZE, inFlight: 12 },
    ],
  ])('cuts %p into %p', (overrides, expected) => {
    expect(chunking(new BillingRunOptions(overrides))).toEqual(expected);
  });
});
