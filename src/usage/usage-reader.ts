import { Injectable } from '@nestjs/common';
import { Dec } from '../common/money';
import type { UsageTotals } from './usage.model';
import { UsageRepository } from './usage.repository';

const DAY_MS = 86_400_000;

export interface UsageInRange {
  total: UsageTotals;
  byDay: Map<string, UsageTotals>;
  byEndpoint: Map<string, UsageTotals>;
  /** Per day, then per endpoint: the same usage split both ways. */
  byDayEndpoint: Map<string, Map<string, UsageTotals>>;
}

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * Totals of a customer's usage in [from, to). Whole days come from day totals (one item per day,
 * so the cost does not grow with the number of events); only a partial first or last day, when
 * a bound falls inside a day (e.g. a plan change), reads that day's raw events.
 */
@Injectable()
export class UsageReader {
  constructor(private readonly usage: UsageRepository) {}

  async inRange(customerId: string, from: Date, to: Date): Promise<UsageInRange> {
    const result: UsageInRange = {
      total: { quantity: '0', events: 0 },
      byDay: new Map(),
      byEndpoint: new Map(),
      byDayEndpoint: new Map(),
    };
    const addDayEndpoint = (day: string, endpoint: string, totals: UsageTotals) => {
      let endpoints = result.byDayEndpoint.get(day);
      if (!endpoints) result.byDayEndpoint.set(day, (endpoints = new Map<string, UsageTotals>()));
      add(endpoints, endpoint, totals);
    };
    const start = from.getTime();
    const end = to.getTime();
    if (end <= start) return result;
    const firstWhole = Math.ceil(start / DAY_MS) * DAY_MS;
    const lastWholeEnd = Math.floor(end / DAY_MS) * DAY_MS;

    const reads: Promise<void>[] = [];
    if (lastWholeEnd > firstWhole) {
      reads.push(
        this.usage.getDays(customerId, dayOf(firstWhole), dayOf(lastWholeEnd - 1)).then((days) => {
          for (const d of days) {
            add(result.byDay, d.day, d.total);
            for (const [endpoint, totals] of d.endpoints) {
              add(result.byEndpoint, endpoint, totals);
              addDayEndpoint(d.day, endpoint, totals);
            }
          }
        }),
      );
    }
    const partial = (a: number, b: number) =>
      this.usage
        .getEventsBetween(
          customerId,
          dayOf(a),
          new Date(a).toISOString(),
          new Date(b).toISOString(),
        )
        .then((events) => {
          for (const e of events) {
            const one = { quantity: e.quantity, events: 1 };
            add(result.byDay, dayOf(a), one);
            add(result.byEndpoint, e.endpoint, one);
            addDayEndpoint(dayOf(a), e.endpoint, one);
          }
        });
    if (firstWhole >= lastWholeEnd) {
      // Both bounds inside one day, or within two adjacent partial days.
      const boundary = Math.min(firstWhole, end);
      reads.push(partial(start, boundary));
      if (boundary < end) reads.push(partial(boundary, end));
    } else {
      if (start < firstWhole) reads.push(partial(start, firstWhole));
      if (lastWholeEnd < end) reads.push(partial(lastWholeEnd, end));
    }
    await Promise.all(reads);
    for (const totals of result.byDay.values()) {
      result.total = {
        quantity: new Dec(result.total.quantity).plus(totals.quantity).toFixed(),
        events: result.total.events + totals.events,
      };
    }
    return result;
  }
}

function add(map: Map<string, UsageTotals>, key: string, totals: UsageTotals): void {
  const current = map.get(key);
  map.set(
    key,
    current
      ? {
          quantity: new Dec(current.quantity).plus(totals.quantity).toFixed(),
          events: current.events + totals.events,
        }
      : { ...totals },
  );
}
