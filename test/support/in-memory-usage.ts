import { Dec } from '../../src/common/money';
import type { UsageRow } from '../../src/pricing-core';
import { type UsageDayRow, UsageSource } from '../../src/usage/usage-source';

/** A usage source fed by the test, for pricing tests that must control usage over time. */
export class InMemoryUsage extends UsageSource {
  private readonly events: { customerId: string; endpoint: string; quantity: string; at: Date }[] =
    [];

  record(customerId: string, endpoint: string, quantity: string, at: string): void {
    this.events.push({ customerId, endpoint, quantity, at: new Date(at) });
  }

  async usageByEndpoint(customerId: string, from: Date, to: Date): Promise<UsageRow[]> {
    const rows = new Map<string, UsageRow>();
    for (const e of this.events) {
      if (e.customerId !== customerId || e.at < from || e.at >= to) continue;
      const row = rows.get(e.endpoint) ?? { endpoint: e.endpoint, quantity: '0', events: 0 };
      rows.set(e.endpoint, {
        endpoint: e.endpoint,
        quantity: new Dec(row.quantity).plus(e.quantity).toFixed(),
        events: row.events + 1,
      });
    }
    return [...rows.values()];
  }

  async usageByDayAndEndpoint(customerId: string, from: Date, to: Date): Promise<UsageDayRow[]> {
    const rows = new Map<string, UsageDayRow>();
    for (const e of this.events) {
      if (e.customerId !== customerId || e.at < from || e.at >= to) continue;
      const day = e.at.toISOString().slice(0, 10);
      const key = `${day} ${e.endpoint}`;
      const row = rows.get(key) ?? { day, endpoint: e.endpoint, quantity: '0', events: 0 };
      rows.set(key, {
        ...row,
        quantity: new Dec(row.quantity).plus(e.quantity).toFixed(),
        events: row.events + 1,
      });
    }
    return [...rows.values()];
  }
}
