import { Injectable, Logger } from '@nestjs/common';
import { Dec } from '../common/money';
import { isStoreUnavailable } from '../common/errors/store-errors';
import { Clock } from '../common/time/clock';
import type {
  IngestError,
  IngestOutcome,
  StoredEventPayload,
  UsageEvent,
  UsageTotals,
} from './usage.model';
import { type DayIncrement, type UsageWrite, UsageRepository } from './usage.repository';
import { UsageGates } from './usage-gates';

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
/** Items each customer-day of a transaction adds: its day total and its event page. */
const ITEMS_PER_DAY = 2;
/** DynamoDB Local runs transactions one at a time; two in flight overlap I/O without queueing. */
const MAX_IN_FLIGHT = 2;
const MAX_CONFLICT_RETRIES = 5;
/** A gate's state moved under a transaction (usage of the same customer elsewhere): ask again. */
const MAX_GATE_RETRIES = 50;
/** How long a customer counts as gated after a gate last added items for it. */
const GATED_MEMORY_MS = 60_000;
const MAX_GATED_REMEMBERED = 10_000;

/** Items every transaction adds (the outbox entry), and what to do once it committed. */
export type ExtraItems = (events: UsageEvent[]) => {
  items: UsageWrite['extra'];
  committed(): void;
};

/**
 * Coalesces concurrent usage writes into DynamoDB transactions. Every request's events join one
 * queue; each flush takes as many as fit in a transaction (events plus a day-total item and an
 * event page per customer-day, plus period checks and the gates' items), so under load many
 * requests share one round trip, and a quiet service writes each event at once. The transaction makes the event records, their event
 * pages, the day totals (with the daily-limit condition) and the outbox entry commit together or
 * not at all.
 */
@Injectable()
export class UsageWriter {
  private readonly logger = new Logger('UsageWriter');
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** customer + eventId of events in transactions under way: a later copy waits for them. */
  private readonly inFlightKeys = new Set<string>();
  private scheduled = false;
  /** How many transactions under way hold events of each customer. */
  private readonly customersInFlight = new Map<string, number>();
  /**
   * Customers a gate recently added items for (when last seen): their events are not split
   * across concurrent transactions, which would only race each other on the gate's state.
   */
  private readonly gatedCustomers = new Map<string, number>();
  private extraItems: ExtraItems = () => ({ items: [], committed: () => {} });
  private readonly onAccepted: ((events: UsageEvent[]) => void | Promise<void>)[] = [];

  constructor(
    private readonly usage: UsageRepository,
    private readonly clock: Clock,
    private readonly gates: UsageGates,
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
        const customers = [...new Set(chunk.map((p) => p.event.customerId))];
        for (const c of customers) this.customersInFlight.set(c, this.inFlightCount(c) + 1);
        void this.commit(chunk)
          .catch((error: unknown) => this.fail(chunk, error))
          .finally(() => {
            for (const p of chunk) this.inFlightKeys.delete(eventKey(p.event));
            for (const c of customers) {
              const left = this.inFlightCount(c) - 1;
              if (left > 0) this.customersInFlight.set(c, left);
              else this.customersInFlight.delete(c);
            }
            this.inFlight--;
            if (this.queue.length > 0) this.schedule();
          });
      }
    });
  }

  /**
   * Takes events in arrival order while they fit. An event whose customer + eventId is already in
   * the chunk waits for the next one (a transaction may touch an item once); there it meets the
   * committed first copy and is reported as a duplicate, or as a conflict when it differs.
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
      const cost =
        1 + (days.has(dayKey) ? 0 : ITEMS_PER_DAY) + (periodKey && !periods.has(periodKey) ? 1 : 0);
      if (
        keys.has(key) ||
        this.inFlightKeys.has(key) ||
        items + cost > MAX_TRANSACTION_ITEMS ||
        this.waitsForGatedTransaction(p.event.customerId, now)
      ) {
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

  private inFlightCount(customerId: string): number {
    return this.customersInFlight.get(customerId) ?? 0;
  }

  /** A gated customer's events wait while a transaction under way holds some of its events. */
  private waitsForGatedTransaction(customerId: string, now: number): boolean {
    const seen = this.gatedCustomers.get(customerId);
    if (seen === undefined) return false;
    if (now - seen > GATED_MEMORY_MS) {
      this.gatedCustomers.delete(customerId);
      return false;
    }
    return this.inFlightCount(customerId) > 0;
  }

  private rememberGated(customerIds: Iterable<string>, now: number): void {
    for (const customerId of customerIds) this.gatedCustomers.set(customerId, now);
    if (this.gatedCustomers.size <= MAX_GATED_REMEMBERED) return;
    for (const [customerId, seen] of this.gatedCustomers) {
      if (now - seen > GATED_MEMORY_MS) this.gatedCustomers.delete(customerId);
    }
  }

  private async commit(chunk: Pending[]): Promise<void> {
    /** Unresolved events, in arrival order. */
    let pending = chunk;
    /**
     * Events left out because they do not fit their day's limit after the events before them.
     * Only provisional: they are answered when the others commit, and reconsidered if those fail,
     * so no event is refused for room that an event which then fails would have taken.
     */
    const overLimit = new Map<Pending, IngestError>();
    /** Refused by a gate: asked again on every attempt, so as provisional as `overLimit`. */
    let refused = new Map<Pending, IngestError>();
    let conflicts = 0;
    let gateRetries = 0;
    /** Events left for a transaction of their own because the gates' items filled this one. */
    let later: Pending[] = [];
    for (;;) {
      const candidates = pending.filter((p) => !overLimit.has(p));
      const now = this.clock.now();
      const decision = await this.gates.admit(
        candidates.map((p) => p.event),
        now,
      );
      refused = new Map(
        candidates.flatMap((p) => {
          const refusal = decision.refused.get(p.event);
          return refusal ? [[p, refusal] as const] : [];
        }),
      );
      const writing = candidates.filter((p) => !refused.has(p));
      if (transactionItems(writing, decision.items, now.getTime()) > MAX_TRANSACTION_ITEMS) {
        // The newest events wait for the next transaction (with any decision about them).
        const keep = Math.max(1, Math.floor(pending.length / 2));
        later = [...pending.slice(keep), ...later];
        pending = pending.slice(0, keep);
        for (const p of later) overLimit.delete(p);
        continue;
      }
      this.rememberGated(decision.items.keys(), now.getTime());
      if (writing.length > 0) {
        const batch = buildWrite(writing, now.getTime());
        const extra = this.extraItems(batch.events);
        batch.extra = extra.items;
        batch.gated = [...new Set(writing.map((p) => p.event.customerId))].flatMap(
          (customerId) => decision.items.get(customerId) ?? [],
        );
        const failures = await this.usage.write(batch, now.toISOString());
        if (failures.some((f) => f.kind === 'conflict')) {
          if (++conflicts > MAX_CONFLICT_RETRIES) throw new Error('usage write kept conflicting');
          await new Promise((r) => setTimeout(r, 5 * 2 ** conflicts * Math.random()));
          continue;
        }
        if (failures.some((f) => f.kind === 'gate')) {
          if (++gateRetries > MAX_GATE_RETRIES) throw new Error('usage gates kept moving');
          await new Promise((r) => setTimeout(r, Math.min(50, 2 ** gateRetries) * Math.random()));
          continue;
        }
        if (failures.length > 0) {
          pending = await this.settleFailures(pending, overLimit, failures);
          continue;
        }
        extra.committed();
        // Listeners (cache invalidation) finish before callers hear back, so a read right after
        // an acknowledged write never sees a stale cached total, on any instance.
        const events = writing.map((p) => p.event);
        await Promise.all(
          this.onAccepted.map((listener) =>
            Promise.resolve(listener(events)).catch((error: unknown) =>
              this.logger.warn({ err: error }, 'A usage commit listener failed'),
            ),
          ),
        );
        for (const p of writing) p.resolve({ eventId: p.event.eventId, status: 'accepted' });
      }
      for (const [p, error] of overLimit) {
        p.resolve({ eventId: p.event.eventId, status: 'rejected', error });
      }
      await this.settleRefused(refused);
      if (later.length > 0) await this.commit(later);
      return;
    }
  }

  /**
   * Resolves the events a failed transaction blamed for good (duplicates, conflicts, closed
   * periods), recomputes which events of the affected days are over the limit, and returns the
   * unresolved events for another try.
   */
  private async settleFailures(
    pending: Pending[],
    overLimit: Map<Pending, IngestError>,
    failures: Awaited<ReturnType<UsageRepository['write']>>,
  ): Promise<Pending[]> {
    const settled = new Set<Pending>();
    const settle = (p: Pending, outcome: Omit<IngestOutcome, 'eventId'>) => {
      if (settled.has(p)) return;
      settled.add(p);
      overLimit.delete(p);
      p.resolve({ eventId: p.event.eventId, ...outcome });
    };
    const days = new Set<string>();
    for (const failure of failures) {
      if (failure.kind === 'duplicate') {
        const p = pending.find((x) => x.event === failure.event);
        if (!p) continue;
        // The store normally returns the blocking item with the failure; read it only if not.
        const existing =
          failure.existing ??
          (await this.usage.getEventPayload(p.event.customerId, p.event.eventId));
        const differs = existing ? differingFields(existing, p.event) : [];
        settle(
          p,
          differs.length === 0
            ? { status: 'duplicate' }
            : { status: 'rejected', error: eventIdConflict(p.event, differs) },
        );
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
      } else if (failure.kind === 'limit') {
        days.add(dayKey(failure.day));
      }
    }
    // A day whose events changed may now have room for an event left out before.
    const left = [...overLimit.keys()].map((p) => dayKey(p.event));
    for (const p of settled) if (left.includes(dayKey(p.event))) days.add(dayKey(p.event));

    const before = new Set(overLimit.keys());
    const remaining = pending.filter((p) => !settled.has(p));
    const now = this.clock.now();
    for (const key of days) {
      const events = remaining.filter((p) => dayKey(p.event) === key);
      const limit = strictestLimit(events.map((p) => p.unitsPerDay));
      for (const p of events) overLimit.delete(p);
      if (limit === undefined || events.length === 0) continue;
      // Keep, in arrival order, the events that still fit under the limit.
      const { customerId, day } = events[0].event;
      let used = new Dec(await this.usage.getDayQuantity(customerId, day));
      for (const p of events) {
        const next = used.plus(p.event.quantity);
        if (next.greaterThan(limit)) overLimit.set(p, limitExceeded(limit, day, now));
        else used = next;
      }
    }
    const unchanged = before.size === overLimit.size && [...before].every((p) => overLimit.has(p));
    if (settled.size === 0 && unchanged) throw new Error('usage write failed without a cause');
    return remaining;
  }

  /**
   * Answers the events a gate refused. The gate prices every event as new usage, so one that is
   * already recorded (a client's retry of an acknowledged event) is looked up first: a replay
   * stays a duplicate, whatever the gate thinks of it now.
   */
  private async settleRefused(refused: Map<Pending, IngestError>): Promise<void> {
    await Promise.all(
      [...refused].map(async ([p, error]) => {
        const existing = await this.usage.getEventPayload(p.event.customerId, p.event.eventId);
        if (!existing) {
          p.resolve({ eventId: p.event.eventId, status: 'rejected', error });
          return;
        }
        const differs = differingFields(existing, p.event);
        p.resolve(
          differs.length === 0
            ? { eventId: p.event.eventId, status: 'duplicate' }
            : {
                eventId: p.event.eventId,
                status: 'rejected',
                error: eventIdConflict(p.event, differs),
              },
        );
      }),
    );
  }

  private fail(chunk: Pending[], error: unknown): void {
    this.logger.error({ err: error, events: chunk.length }, 'Usage write failed');
    for (const p of chunk)
      p.resolve({ eventId: p.event.eventId, status: 'rejected', error: toError(error) });
  }
}

const eventKey = (event: UsageEvent) => `${event.customerId}\u0000${event.eventId}`;
const dayKey = (x: { customerId: string; day: string }) => `${x.customerId}\u0000${x.day}`;

function eventIdConflict(event: UsageEvent, differs: string[]): IngestError {
  return {
    code: 'EVENT_ID_CONFLICT',
    message: `Event ${event.eventId} of customer ${event.customerId} was already recorded with a different ${differs.join(', ')}; use a new eventId for a different event`,
  };
}

/** Events of one customer-day resolved against different plan versions: the strictest limit. */
function strictestLimit(limits: readonly (string | undefined)[]): string | undefined {
  let strictest: string | undefined;
  for (const limit of limits) {
    if (limit !== undefined && (strictest === undefined || new Dec(limit).lessThan(strictest)))
      strictest = limit;
  }
  return strictest;
}

/**
 * Over the limit. Only today's total resets (at the next UTC midnight), so only today's refusal
 * says when to retry; another day's total never resets (the single-event route answers 422).
 */
function limitExceeded(limit: string, day: string, now: Date): IngestError {
  return day === now.toISOString().slice(0, 10)
    ? {
        code: 'USAGE_LIMIT_EXCEEDED',
        message: `Daily limit of ${limit} units reached for ${day}`,
        retryAfterSeconds: secondsUntilNextUtcDay(now),
      }
    : {
        code: 'USAGE_LIMIT_EXCEEDED',
        message: `Daily limit of ${limit} units reached for ${day}; a past day's total never resets`,
      };
}

/**
 * What makes an event with a known customer + eventId a different event: another endpoint,
 * another quantity (as decimals: "1.0" is "1"), or another timestamp when the client gave one
 * both times (a retry without one gets a new server time and is still the same event).
 */
export function differingFields(stored: StoredEventPayload, incoming: UsageEvent): string[] {
  const fields: string[] = [];
  if (stored.endpoint !== incoming.endpoint) fields.push('endpoint');
  if (!sameDecimal(stored.quantity, incoming.quantity)) fields.push('quantity');
  if (
    stored.timestampGiven &&
    incoming.timestampGiven &&
    Date.parse(stored.timestamp) !== Date.parse(incoming.timestamp)
  ) {
    fields.push('timestamp');
  }
  return fields;
}

function sameDecimal(a: string, b: string): boolean {
  try {
    return new Dec(a).equals(b);
  } catch {
    return a === b;
  }
}

/**
 * How many items a transaction of `writing` holds: events, a day total and an event page per
 * customer-day, period checks, and the gates' items (not the outbox entry).
 */
function transactionItems(
  writing: readonly Pending[],
  gated: ReadonlyMap<string, readonly unknown[]>,
  now: number,
): number {
  const customers = new Set(writing.map((p) => p.event.customerId));
  const days = new Set(writing.map((p) => dayKey(p.event)));
  const periods = new Set(
    writing
      .filter((p) => needsOpenPeriodCheck(p.event, now))
      .map((p) => `${p.event.customerId}\u0000${p.event.period}`),
  );
  let items = writing.length + ITEMS_PER_DAY * days.size + periods.size;
  for (const customerId of customers) items += gated.get(customerId)?.length ?? 0;
  return items;
}

/** Builds the transaction's content: events, merged day totals, and open-period checks. */
function buildWrite(pending: Pending[], now: number): UsageWrite {
  const days = new Map<string, DayIncrement>();
  const periods = new Map<string, { customerId: string; period: string }>();
  for (const { event, unitsPerDay } of pending) {
    const key = dayKey(event);
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
    day.limit = strictestLimit([day.limit, unitsPerDay]);
    days.set(key, day);
    if (needsOpenPeriodCheck(event, now)) {
      periods.set(`${event.customerId}\u0000${event.period}`, {
        customerId: event.customerId,
        period: event.period,
      });
    }
  }
  return {
    events: pending.map((p) => p.event),
    days: [...days.values()],
    openPeriods: [...periods.values()],
    extra: [],
    gated: [],
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
