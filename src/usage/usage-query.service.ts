import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { usageGenerationKey } from './usage.cache-keys';
import { ValidationFailed } from '../common/errors/domain-error';
import { Clock } from '../common/time/clock';
import { parseInstant } from '../common/time/instant';
import { periodOf } from '../common/time/period';
import { CustomersService } from '../customers/customers.service';
import type { UsageRow } from '../pricing-core';
import type { DayRecord } from './usage.model';
import { type UsageDayRow, UsageSource } from './usage-source';
import { UsageReader } from './usage-reader';
import { UsageRepository } from './usage.repository';

export interface UsageReport {
  customerId: string;
  from: string;
  to: string;
  total: string;
  events: number;
  groups: { key: string; quantity: string; events: number }[];
}

const MAX_RANGE_DAYS = 400;
/** Cached reads of other instances' ingest may lag this long (no shared cache configured). */
const USAGE_CACHE_TTL_MS = 10_000;

@Injectable()
export class UsageQueryService extends UsageSource {
  constructor(
    private readonly reader: UsageReader,
    private readonly repository: UsageRepository,
    private readonly customers: CustomersService,
    private readonly clock: Clock,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {
    super();
  }

  /** For pricing: totals per endpoint in [from, to). */
  async usageByEndpoint(customerId: string, from: Date, to: Date): Promise<UsageRow[]> {
    const usage = await this.reader.inRange(customerId, from, to);
    return [...usage.byEndpoint].map(([endpoint, t]) => ({
      endpoint,
      quantity: t.quantity,
      events: t.events,
    }));
  }

  /** For explanations of charges: totals per UTC day and endpoint in [from, to). */
  async usageByDayAndEndpoint(customerId: string, from: Date, to: Date): Promise<UsageDayRow[]> {
    const usage = await this.reader.inRange(customerId, from, to);
    return [...usage.byDayEndpoint].flatMap(([day, endpoints]) =>
      [...endpoints].map(([endpoint, t]) => ({
        day,
        endpoint,
        quantity: t.quantity,
        events: t.events,
      })),
    );
  }

  /**
   * A customer's day totals for the whole days `fromDay`..`toDay` inclusive (reports): at most
   * one record per day, days without usage left out.
   */
  async dayTotals(customerId: string, fromDay: string, toDay: string): Promise<DayRecord[]> {
    return this.repository.getDays(customerId, fromDay, toDay);
  }

  async report(
    customerId: string,
    query: { from?: string; to?: string; groupBy?: 'day' | 'endpoint' },
    options: { fresh?: boolean } = {},
  ): Promise<UsageReport> {
    await this.customers.get(customerId);
    const period = periodOf(this.clock.now());
    const from = query.from ? parseInstant(query.from, 'from') : period.start;
    const to = query.to ? parseInstant(query.to, 'to') : period.end;
    if (to <= from)
      throw new ValidationFailed([{ field: 'to', messages: ['to must be after from'] }]);
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
      throw new ValidationFailed([
        { field: 'to', messages: [`the range may span at most ${MAX_RANGE_DAYS} days`] },
      ]);
    }
    const generation = (await this.cache.get<string>(usageGenerationKey(customerId))) ?? 'initial';
    const key = `usage:${customerId}:${generation}:${from.toISOString()}:${to.toISOString()}:${query.groupBy ?? ''}`;
    const cached = options.fresh ? undefined : await this.cache.get<UsageReport>(key);
    if (cached) return cached;

    const usage = await this.reader.inRange(customerId, from, to);
    const grouped =
      query.groupBy === 'day'
        ? usage.byDay
        : query.groupBy === 'endpoint'
          ? usage.byEndpoint
          : undefined;
    const report: UsageReport = {
      customerId,
      from: from.toISOString(),
      to: to.toISOString(),
      total: usage.total.quantity,
      events: usage.total.events,
      groups: grouped
        ? [...grouped]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, t]) => ({ key: k, quantity: t.quantity, events: t.events }))
        : [],
    };
    await this.cache.set(key, report, USAGE_CACHE_TTL_MS);
    return report;
  }
}
