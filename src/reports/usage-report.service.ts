import { Injectable } from '@nestjs/common';
import { type FieldProblem, ValidationFailed } from '../common/errors/domain-error';
import { Dec, type Decimal } from '../common/money';
import { Clock } from '../common/time/clock';
import { checkInstant } from '../common/time/instant';
import { periodOf } from '../common/time/period';
import type { Customer } from '../customers/customer.model';
import { CustomersService } from '../customers/customers.service';
import type { DayRecord } from '../usage/usage.model';
import { UsageQueryService } from '../usage/usage-query.service';
import type { CsvColumn } from './csv';
import { mapInOrder, readAhead } from './in-order';
import { isoWeek } from './iso-week';

export type UsageGroupBy = 'day' | 'week' | 'month' | 'endpoint' | 'customer';

/** A validated usage report request: whole UTC days `[from, to)`. */
export interface UsageReportRequest {
  from: string;
  to: string;
  /** Last day included (the day before `to`). */
  lastDay: string;
  customerId?: string;
  groupBy: UsageGroupBy;
}

export interface UsageGroupRow {
  key: string;
  quantity: string;
  events: number;
}

export interface UsageCustomerRow {
  customerId: string;
  customerName: string;
  quantity: string;
  events: number;
}

export type UsageReportRow = UsageGroupRow | UsageCustomerRow;

export interface UsageReportJson {
  from: string;
  to: string;
  customerId: string | null;
  groupBy: UsageGroupBy;
  total: { quantity: string; events: number };
  rows: UsageReportRow[];
}

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;
/** Customers per listing page, and day-total queries in flight at once. */
const PAGE_SIZE = 200;
const CONCURRENCY = 16;

const GROUP_KEY: Record<Exclude<UsageGroupBy, 'customer' | 'endpoint'>, (day: string) => string> = {
  day: (day) => day,
  week: isoWeek,
  month: (day) => day.slice(0, 7),
};

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Usage across customers, built only from the day totals (one item per customer and day, with
 * per-endpoint totals in it), never from raw events: a year of a busy customer is at most 366
 * items. Customers are read a page at a time and their day totals with bounded concurrency, so
 * memory holds one page plus the group totals, whatever the number of customers.
 */
@Injectable()
export class UsageReportService {
  constructor(
    private readonly customers: CustomersService,
    private readonly usage: UsageQueryService,
    private readonly clock: Clock,
  ) {}

  /** Defaults (the current month) and checks that need more than a pattern, all at once. */
  resolve(query: {
    from?: string;
    to?: string;
    customerId?: string;
    groupBy?: UsageGroupBy;
  }): UsageReportRequest {
    const period = periodOf(this.clock.now());
    const problems: FieldProblem[] = [];
    // The same forms as every from/to; the report is made of whole UTC days, so an instant must
    // fall on a UTC midnight (rounding it to one would report other hours than asked for).
    const day = (field: 'from' | 'to', value: string | undefined, fallback: Date): string => {
      const checked = value === undefined ? undefined : checkInstant(value, 'date-or-date-time');
      if (checked && !checked.ok)
        problems.push({ field, messages: [`${field} ${checked.problem}`] });
      const ms = checked?.ok ? checked.date.getTime() : fallback.getTime();
      if (ms % DAY_MS !== 0) {
        problems.push({
          field,
          messages: [`${field} must be a UTC midnight: the report counts whole UTC days`],
        });
      }
      return dayOf(ms);
    };
    const from = day('from', query.from, period.start);
    const to = day('to', query.to, period.end);
    if (problems.length === 0) {
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
      if (days <= 0) problems.push({ field: 'to', messages: ['to must be after from'] });
      if (days > MAX_RANGE_DAYS) {
        problems.push({
          field: 'to',
          messages: [`the range may span at most ${MAX_RANGE_DAYS} days`],
        });
      }
    }
    if (problems.length > 0) throw new ValidationFailed(problems);
    return {
      from,
      to,
      lastDay: dayOf(Date.parse(to) - DAY_MS),
      customerId: query.customerId,
      groupBy: query.groupBy ?? 'day',
    };
  }

  /** Rows in key order (customers in id order); what the CSV streams. */
  async *rows(request: UsageReportRequest): AsyncGenerator<UsageReportRow> {
    if (request.groupBy === 'customer') {
      for await (const { customer, days } of this.customerDays(request)) {
        let quantity: Decimal = new Dec(0);
        let events = 0;
        for (const d of days) {
          quantity = quantity.plus(d.total.quantity);
          events += d.total.events;
        }
        yield {
          customerId: customer.id,
          customerName: customer.name,
          quantity: quantity.toFixed(),
          events,
        };
      }
      return;
    }
    const groups = new Map<string, { quantity: Decimal; events: number }>();
    const add = (key: string, quantity: string, events: number) => {
      const g = groups.get(key) ?? { quantity: new Dec(0), events: 0 };
      groups.set(key, { quantity: g.quantity.plus(quantity), events: g.events + events });
    };
    const groupBy = request.groupBy;
    for await (const { days } of this.customerDays(request)) {
      for (const d of days) {
        if (groupBy === 'endpoint') {
          for (const [endpoint, t] of d.endpoints) add(endpoint, t.quantity, t.events);
        } else {
          add(GROUP_KEY[groupBy](d.day), d.total.quantity, d.total.events);
        }
      }
    }
    for (const key of [...groups.keys()].sort()) {
      const g = groups.get(key)!;
      yield { key, quantity: g.quantity.toFixed(), events: g.events };
    }
  }

  async json(request: UsageReportRequest): Promise<UsageReportJson> {
    const rows: UsageReportRow[] = [];
    let quantity: Decimal = new Dec(0);
    let events = 0;
    // Every grouping splits the same usage without overlap, so the rows add up to the total.
    for await (const row of this.rows(request)) {
      rows.push(row);
      quantity = quantity.plus(row.quantity);
      events += row.events;
    }
    return {
      from: request.from,
      to: request.to,
      customerId: request.customerId ?? null,
      groupBy: request.groupBy,
      total: { quantity: quantity.toFixed(), events },
      rows,
    };
  }

  columns(groupBy: UsageGroupBy): CsvColumn<UsageReportRow>[] {
    if (groupBy === 'customer') {
      return [
        { key: 'customerId', header: 'customer_id' },
        { key: 'customerName', header: 'customer_name' },
        { key: 'quantity', header: 'quantity' },
        { key: 'events', header: 'events' },
      ] as CsvColumn<UsageReportRow>[];
    }
    return [
      { key: 'key', header: groupBy },
      { key: 'quantity', header: 'quantity' },
      { key: 'events', header: 'events' },
    ] as CsvColumn<UsageReportRow>[];
  }

  filename(request: UsageReportRequest): string {
    const who = request.customerId ? `${request.customerId}-` : '';
    return `usage-${who}${request.from}-${request.to}-by-${request.groupBy}.csv`;
  }

  /** Each customer (one, or all a page at a time) with its day totals in the range. */
  private async *customerDays(
    request: UsageReportRequest,
  ): AsyncGenerator<{ customer: Customer; days: DayRecord[] }> {
    const pages = request.customerId
      ? [{ customers: [await this.customers.get(request.customerId)] }]
      : readAhead((cursor) => this.customers.list(PAGE_SIZE, cursor));
    for await (const page of pages) {
      const days = await mapInOrder(page.customers, CONCURRENCY, (c) =>
        this.usage.dayTotals(c.id, request.from, request.lastDay),
      );
      for (let i = 0; i < page.customers.length; i++) {
        yield { customer: page.customers[i], days: days[i] };
      }
    }
  }
}
