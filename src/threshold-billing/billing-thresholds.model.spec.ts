import { Dec } from '../common/money';
import { type BillingThresholds, highestReached, thresholdValue } from './billing-thresholds.model';

const thresholds = (
  amounts: string[],
  recurringEvery: string | null = null,
): BillingThresholds => ({
  customerId: 'acme',
  currency: 'USD',
  amounts,
  recurringEvery,
  blockWhenUnpaidAfter: null,
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
});

describe('billing thresholds', () => {
  it('counts the listed amounts reached, inclusive', () => {
    const t = thresholds(['100.00', '500.00']);
    expect(highestReached(t, new Dec('99.99'))).toBe(0);
    expect(highestReached(t, new Dec('100.00'))).toBe(1);
    expect(highestReached(t, new Dec('499.99'))).toBe(1);
    expect(highestReached(t, new Dec('10000'))).toBe(2);
    expect(thresholdValue(t, 2)?.toFixed(2)).toBe('500.00');
    expect(thresholdValue(t, 3)).toBeUndefined();
    expect(thresholdValue(t, 0)).toBeUndefined();
  });

  it('continues every recurringEvery beyond the last amount, exactly', () => {
    const t = thresholds(['100.00', '500.00'], '0.10');
    expect(highestReached(t, new Dec('500.09'))).toBe(2);
    expect(highestReached(t, new Dec('500.10'))).toBe(3);
    expect(highestReached(t, new Dec('500.30'))).toBe(5);
    expect(thresholdValue(t, 5)?.toFixed(2)).toBe('500.30');
    // Every index's value is reached exactly at that value, and not a cent before.
    for (let k = 3; k < 40; k++) {
      const value = thresholdValue(t, k)!;
      expect(highestReached(t, value)).toBe(k);
      expect(highestReached(t, value.minus('0.01'))).toBe(k - 1);
    }
  });
});
