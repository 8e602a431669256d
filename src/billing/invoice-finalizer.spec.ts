import { Clock } from '../common/time/clock';
import { parsePeriod } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import type { ChargesJson, ChargesService } from '../pricing/charges.service';
import type { UsagePeriods } from '../usage/usage-periods.service';
import { PeriodNotEnded } from './invoice.errors';
import { InvoiceFinalizer } from './invoice-finalizer';

const MARCH = parsePeriod('2026-03');

class FixedClock extends Clock {
  constructor(private readonly at: string) {
    super();
  }
  now(): Date {
    return new Date(this.at);
  }
}

const charges = (customerId: string): ChargesJson => ({
  customerId,
  period: '2026-03',
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-04-01T00:00:00.000Z',
  currency: 'USD',
  total: '12.50',
  subtotal: '12.50',
  baseFee: '0.00',
  minimumTopUp: '0.00',
  lines: [],
  segments: [],
});

/** The finalizer over fakes that log, in order, what was closed and what was priced. */
function finalizerAt(now: string) {
  const calls: string[] = [];
  const usage = {
    close: async (customerId: string, period: string, closedAt: string) => {
      calls.push(`close ${customerId} ${period} at ${closedAt}`);
    },
    closeMany: async (customerIds: readonly string[], period: string, closedAt: string) => {
      calls.push(`close ${customerIds.join(',')} ${period} at ${closedAt}`);
    },
  } as unknown as UsagePeriods;
  const pricing = {
    forPeriod: async (customerId: string, period: string) => {
      calls.push(`price ${customerId} ${period}`);
      return charges(customerId);
    },
    forCustomer: async (customer: Customer, period: string) => {
      calls.push(`price ${customer.id} ${period} with the cached versions`);
      return charges(customer.id);
    },
  } as unknown as ChargesService;
  return { finalizer: new InvoiceFinalizer(usage, pricing, new FixedClock(now)), calls };
}

describe('InvoiceFinalizer', () => {
  it('closes one customer’s usage at the time of the check, then prices it', async () => {
    const { finalizer, calls } = finalizerAt('2026-04-02T10:00:00.000Z');
    const amounts = await finalizer.closeAndPrice('acme', MARCH);
    expect(calls).toEqual(['close acme 2026-03 at 2026-04-02T10:00:00.000Z', 'price acme 2026-03']);
    expect(amounts).toEqual({
      currency: 'USD',
      lines: [],
      subtotal: '12.50',
      baseFee: '0.00',
      minimumTopUp: '0.00',
      total: '12.50',
      credits: '0.00',
      amountDue: '12.50',
    });
  });

  it('refuses a period that has not ended, before closing or pricing anything', async () => {
    const { finalizer, calls } = finalizerAt('2026-03-31T23:59:59.999Z');
    await expect(finalizer.closeAndPrice('acme', MARCH)).rejects.toBeInstanceOf(PeriodNotEnded);
    await expect(finalizer.closeAndPrice('acme', MARCH)).rejects.toMatchObject({
      code: 'PERIOD_NOT_ENDED',
    });
    expect(() => finalizer.closingTime(MARCH)).toThrow(PeriodNotEnded);
    expect(calls).toEqual([]);
  });

  it('closes a chunk of customers in one call, at the time of the check', async () => {
    const { finalizer, calls } = finalizerAt('2026-04-01T00:05:00.000Z');
    const closedAt = finalizer.closingTime(MARCH);
    await finalizer.closeUsage(['a', 'b', 'c'], MARCH, closedAt);
    const amounts = await finalizer.priceCustomer({ id: 'b' } as Customer, MARCH, async () => []);
    expect(calls).toEqual([
      'close a,b,c 2026-03 at 2026-04-01T00:05:00.000Z',
      'price b 2026-03 with the cached versions',
    ]);
    expect(amounts.total).toBe('12.50');
  });

  it('lets a period be finalized from the instant it ends', () => {
    const { finalizer } = finalizerAt('2026-04-01T00:00:00.000Z');
    expect(finalizer.closingTime(MARCH).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });
});
