import type { ErrorKind } from '../common/errors/domain-error';
import type { TransactItem } from '../database/transact-item';
import type { IngestError, UsageEvent } from './usage.model';

/**
 * The seam through which other modules decide, at the moment of ingest, whether usage may be
 * recorded (prepaid credits block a customer that would overspend). A gate extends `UsageGate`
 * and is listed among its module's providers; the usage module finds every one at start-up.
 *
 * For every transaction the usage writer is about to commit, each gate sees its events (arrival
 * order; only those that passed the daily limits and the gates before it) and answers which it
 * refuses and the items that make its decision hold. Those items go into the same transaction
 * as the events, conditioned on what the gate read: if that moved (another instance admitted
 * usage of the same customer), the transaction fails and the writer asks again, so a gate's
 * budget is never overshot, on any number of instances. Refusals are provisional until the
 * transaction commits: if other events of it fail, the gate is asked again without them.
 *
 * A gate that does not apply to a customer must answer without I/O: it runs on the hot path.
 */
export abstract class UsageGate {
  /** Stable, lower-case; names the gate in logs. */
  abstract readonly name: string;
  abstract admit(events: readonly UsageEvent[], now: Date): Promise<GateDecision>;
}

export interface GateDecision {
  /** Events refused, with the error their caller gets (`kind` sets the HTTP status). */
  refused: Map<UsageEvent, GateRefusal>;
  /**
   * Written with the admitted events, in their transaction, by customer (the writer leaves a
   * customer's events for a later transaction, with its items, when a transaction is full).
   */
  items: Map<string, TransactItem[]>;
}

export type GateRefusal = IngestError & { kind: ErrorKind };

export const ADMIT_ALL: GateDecision = { refused: new Map(), items: new Map() };

/** A gate's events by customer, in arrival order within each (gates decide per customer). */
export function eventsByCustomer(events: readonly UsageEvent[]): Map<string, UsageEvent[]> {
  const byCustomer = new Map<string, UsageEvent[]>();
  for (const event of events) {
    const list = byCustomer.get(event.customerId) ?? [];
    list.push(event);
    byCustomer.set(event.customerId, list);
  }
  return byCustomer;
}
