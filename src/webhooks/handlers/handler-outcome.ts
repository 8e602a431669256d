import type { Customer } from '../../customers/customer.model';
import type { TransactItem } from '../../database/transact-item';
import type { BillingEvent } from '../../events';
import type { StripeEvent } from '../stripe-event';
import type { WebhookEventResult } from '../webhook-event.model';

/** What a handler made of an event; the service records it on the inbox entry. */
export interface HandlerOutcome {
  status: 'processed' | 'ignored';
  /** For `ignored`: why the event is not about anything of ours. */
  reason?: string;
  result: WebhookEventResult;
  /**
   * Conditional writes that must commit with the entry's completion (one transaction). When a
   * condition fails (another event changed the same record), the handler runs again.
   */
  writes?: TransactItem[];
  /** Outbox events committed with the completion. */
  events?: BillingEvent[];
}

export type StripeEventHandler = (event: StripeEvent) => Promise<HandlerOutcome>;

export const ignored = (
  reason: string,
  result: Omit<WebhookEventResult, 'changes'> = {},
): HandlerOutcome => ({ status: 'ignored', reason, result: { ...result, changes: [] } });

export const processed = (
  result: WebhookEventResult,
  extra: Pick<HandlerOutcome, 'writes' | 'events'> = {},
): HandlerOutcome => ({ status: 'processed', result, ...extra });

/** The customer's exposed standing change, if a report moved it. */
export function describeStandingChange(before: Customer, after: Customer): string[] {
  return before.billingStatus === after.billingStatus
    ? []
    : [`customer ${after.id}: billingStatus ${before.billingStatus} → ${after.billingStatus}`];
}
