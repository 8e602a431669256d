import { Injectable, Logger } from '@nestjs/common';
import { Dec } from '../common/money';
import { isStoreUnavailable } from '../common/errors/store-errors';
import { Clock } from '../common/time/clock';
import type { IngestOutcome, UsageEvent, UsageTotals } from './usage.model';
import { type DayIncrement, type UsageWrite, UsageRepository } from './usage.repository';

/** What the writer needs to know about each event's customer, resolved before writing. */
export interface EventContext {
  event: UsageEvent;
  /** The customer's plan limit in units per UTC day, if any. */
  unitsPerDay?: string;
}

interface Pending extends EventContext {
  resolve: (outcome: IngestOutcome) => void;
}

/** DynamoDB allows 100 items per transaction; keep one for the outbox entry. */
const MAX_TRANSACTION_ITEMS = 99;
/** DynamoDB Local runs transactions one at a time; two in flight overlap I/O without queueing. */
const MAX_IN_FLIGHT = 2;
const MAX_CONFLICT_RETRIES = 5;

export type ExtraItems = (events: UsageEvent[]) => UsageWrite['extra'];

/**
 * Coalesces concurrent usage writes into DynamoDB transactions. Every request's events join one
 * queue; each flush takes as many as fit in a transaction (events plus one day-total item per
 * customer-day, plus period checks), so under load many requests share one round trip, and a
 * quiet service writes each event at once. The transaction makes the event records, the day
 * totals (with the daily-limit condition) and the outbox entry commit together or not at all.
 */
@Injectable()
export class UsageWriter {
  private readonly logger = new Logger('UsageWriter');
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** customer + eventId of events in transactions under way: a later copy waits for them. */
  private readonly inFlightKeys = new Set<string>();
  private scheduled = false;
  private extraItems: ExtraItems = () => [];
  private readonly onAccepted: ((events: UsageEvent[]) => void | Promise<void>)[] = [];

  constructor(
    private readonly usage: UsageRepository,
    private readonly clock: Clock,
  ) {}

  /** Adds items (the outbox entry) to every transaction; set once at start-up. */
  useExtraItems(extra: ExtraItems): void {
    this.extraItems = extra;
  }

  /** Called after each commit with the events it accepted (in-process domain events). */
  onCommit(listener: (events: UsageEvent[]) => void | Promise<void>): void {
    this.onAccepted.push(listener);
  }

  write(contexts: EventContext[]): Promise<IngestOutcome[]> {
    const outcomes = contexts.map(
      (context) =>
        new Promise<IngestOutcome>((resolve) => this.queue.push({ ...context, resolve })),
    );
    this.schedule();
    return Promise.all(outcomes);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
        const chunk = this.takeChunk();
        // Everything queued waits for an earlier copy still in flight; its completion reschedules.
        if (chunk.length === 0) break;
        this.inFlight++;
        void this.commit(chunk)
          .catch((error: unknown) => this.fail(chunk, error))
          .finally(() => {
            for (const p of chunk) this.inFlightKeys.delete(eventKey(p.event));
            this.inFlight--;
            if (this.queue.length > 0) this.schedule();
          });
      }
    });
  }

  /**
   * Takes events in arrival order while they fit. An event whose customer + eventId is already in
   * the chunk waits for the next one (a transaction may touch an item once); there it meets the
   * committed first copy and is reported as a duplicate.
   */
  private takeChunk(): Pending[] {
    const chunk: Pending[] = [];
    const keys = new Set<string>();
    const days = new Set<string>();
    const periods = new Set<string>();
    const now = this.clock.now().getTime();
    let items = 0;
    for (let i = 0; i < this.queue.length && items < MAX_TRANSACTION_ITEMS;) {
      const p = this.queue[i];
      const key = eventKey(p.event);
      const dayKey = `${p.event.customerId}\u0000${p.event.day}`;
      const periodKey = needsOpenPeriodCheck(p.event, now)
        ? `${p.event.customerId}\u0000${p.event.period}`
        : undefined;
      const cost = 1 + (days.has(dayKey) ? 0 : 1) + (periodKey && !periods.has(periodKey) ? 1 : 0);
      if (keys.has(key) || this.inFlightKeys.has(key) || items + cost > MAX_TRANSACTION_ITEMS) {
        i++;
        continue;
      }
      keys.add(key);
      this.inFlightKeys.add(key);
      days.add(dayKey);
      if (periodKey) periods.add(periodKey);
      items += cost;
      chunk.push(p);
      this.queue.splice(i, 1);
    }
    return chunk;
  }

  private async commit(chunk: Pending[]): Promise<void> {
    let pending = chunk;
    let conflicts = 0;
    while (pending.length > 0) {
      const now = this.clock.now();
      const batch = buildWrite(pending, now.getTime());
      batch.extra = this.extraItems(batch.events);
      const failures = await this.usage.write(batch, now.toISOString());
      if (failures.length === 0) {
        // Listeners (cache invalidation) finish before callers hear back, so a read right after
        // an acknowledged write never sees a stale cached total, on any instance.
        const events = pending.map((p) => p.event);
        await Promise.all(
          this.onAccepted.map((listener) =>
            Promise.resolve(listener(events)).catch((error: unknown) =>
              this.logger.warn({ err: error }, 'A usage commit listener failed'),
            ),
          ),
        );
        for (const p of pending) p.resolve({ eventId: p.event.eventId, status: 'accepted' });
        return;
      }
      if (failures.some((f) => f.kind === 'conflict')) {
        if (++conflicts > MAX_CONFLICT_RETRIES) throw new Error('usage write kept conflicting');
        await new Promise((r) => setTimeout(r, 5 * 2 ** conflicts * Math.random()));
        continue;
      }
      const remaining = await this.settleFailures(pending, failures);
      if (remaining.length === pending.length)
        throw new Error('usage write failed without a cause');
      pending = remaining;
    }
  }

  /** Resolves the events a failed transaction blamed, and returns the rest for another try. */
  private async settleFailures(
    pending: Pending[],
    failures: Awaited<ReturnType<UsageRepository['write']>>,
  ): Promise<Pending[]> {
    const settled = new Set<Pending>();
    const settle = (p: Pending, outcome: Omit<IngestOutcome, 'eventId'>) => {
      if (settled.has(p)) return;
      settled.add(p);
      p.resolve({ eventId: p.event.eventId, ...outcome });
    };
    for (const failure of failures) {
      if (failure.kind === 'duplicate') {
        const p = pending.find((x) => x.event === failure.event);
        if (p) settle(p, { status: 'duplicate' });
      } else if (failure.kind === 'closed') {
        for (const p of pending) {
          if (p.event.customerId === failure.customerId && p.event.period === failure.period) {
            settle(p, {
              status: 'rejected',
              error: {
                code: 'PERIOD_CLOSED',
                message: `Period ${failure.period} is invoiced and closed for ${failure.customerId}`,
              },
            });
          }
        }
      }
    }
    // A day over its limit: keep, in arrival order, the events that still fit under it.
    for (const failure of failures) {
      if (failure.kind !== 'limit') continue;
      const { customerId, day } = failure.day;
      let used = new Dec(await this.usage.getDayQuantity(customerId, day));
      for (const p of pending) {
        if (settled.has(p) || p.event.customerId !== customerId || p.event.day !== day) continue;
        const next = used.plus(p.event.quantity);
        if (p.unitsPerDay !== undefined && next.greaterThan(p.unitsPerDay)) {
          settle(p, {
            status: 'rejected',
            error: {
              code: 'USAGE_LIMIT_EXCEEDED',
              message: `Daily limit of ${p.unitsPerDay} units reached for ${day}`,
              retryAfterSeconds: secondsUntilNextUtcDay(this.clock.now()),
            },
          });
        } else {
          used = next;
        }
      }
    }
    return pending.filter((p) => !settled.has(p));
  }

  private fail(chunk: Pending[], error: unknown): void {
    this.logger.error({ err: error, events: chunk.length }, 'Usage write failed');
    for (const p of chunk)
      p.resolve({ eventId: p.event.eventId, status: 'rejected', error: toError(error) });
  }
}

const eventKey = (event: UsageEvent) => `${event.customerId}\u0000${event.eventId}`;

/** Builds the transaction's content: events, merged day totals, and open-period checks. */
function buildWrite(pending: Pending[], now: number): UsageWrite {
  const days = new Map<string, DayIncrement>();
  const limits = new Map<string, string | undefined>();
  const periods = new Map<string, { customerId: string; period: string }>();
  for (const { event, unitsPerDay } of pending) {
    const key = `${event.customerId}\u0000${event.day}`;
    const day: DayIncrement = days.get(key) ?? {
      customerId: event.customerId,
      day: event.day,
      quantity: '0',
      events: 0,
      endpoints: new Map<string, UsageTotals>(),
    };
    day.quantity = new Dec(day.quantity).plus(event.quantity).toFixed();
    day.events += 1;
    const ep = day.endpoints.get(event.endpoint) ?? { quantity: '0', events: 0 };
    day.endpoints.set(event.endpoint, {
      quantity: new Dec(ep.quantity).plus(event.quantity).toFixed(),
      events: ep.events + 1,
    });
    days.set(key, day);
    limits.set(key, unitsPerDay);
    if (needsOpenPeriodCheck(event, now)) {
      periods.set(`${event.customerId}\u0000${event.period}`, {
        customerId: event.customerId,
        period: event.period,
      });
    }
  }
  for (const [key, day] of days) {
    const limit = limits.get(key);
    if (limit !== undefined) day.maxBefore = new Dec(limit).minus(day.quantity).toFixed();
  }
  return {
    events: pending.map((p) => p.event),
    days: [...days.values()],
    openPeriods: [...periods.values()],
    extra: [],
  };
}

/**
 * Only a period that has ended can be closed (invoices finalize after the period). The check is
 * added from 15 minutes before a period's end, so clock skew between instances cannot slip usage
 * into a period another instance just closed.
 */
function needsOpenPeriodCheck(event: UsageEvent, now: number): boolean {
  const [year, month] = event.period.split('-').map(Number);
  return Date.UTC(year, month, 1) - 15 * 60_000 <= now;
}

export function secondsUntilNextUtcDay(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function toError(error: unknown): IngestOutcome['error'] {
  return isStoreUnavailable(error)
    ? { code: 'STORE_UNAVAILABLE', message: 'The data store is unavailable; retry shortly' }
    : { code: 'INTERNAL_ERROR', message: 'The event could not be stored' };
}
