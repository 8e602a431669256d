import { Injectable } from '@nestjs/common';
import type { AuditChange } from '../audit/audit.model';
import { AuditService } from '../audit/audit.service';
import type { TransactItem } from '../database/transact-item';
import { OutboxBatchTooLarge, OutboxWriter } from '../events';
import type { BillingEvent, BillingEventType } from '../events/billing-event.model';
import type { Invoice, InvoicePayment } from './invoice.model';

/** `PaymentEventData.provider` of payments recorded without a payment provider. */
export const MANUAL_PAYMENT_PROVIDER = 'manual';

/**
 * What the audit trail and the event stream say about an invoice. One place, so an invoice
 * created through the API and one created by a billing run leave the same records behind.
 */

/** What the audit trail keeps of an invoice: status and money, not the per-tier detail. */
export function invoiceSummary(invoice: Invoice) {
  return {
    status: invoice.status,
    number: invoice.number,
    period: invoice.period,
    currency: invoice.currency,
    total: invoice.total,
    credits: invoice.credits,
    amountDue: invoice.amountDue,
    creditedTotal: invoice.creditedTotal,
    amountPaid: invoice.amountPaid,
    ...(invoice.payments
      ? {
          payments: invoice.payments.map((p) => ({
            id: p.id,
            amount: p.amount,
            method: p.method,
            reference: p.reference,
            paidAt: p.paidAt,
          })),
        }
      : {}),
    lines: invoice.lines.map((l) => ({
      id: l.id,
      kind: l.kind,
      amount: l.amount,
      ...(l.credited ? { credited: l.credited } : {}),
    })),
    provider: invoice.provider,
  };
}

/**
 * The audit change from `before` (undefined: the invoice is new) to `after`: `invoice.create`,
 * `invoice.<new status>`, or `invoice.refresh` when only the amounts moved, unless the change
 * names its own `operation` (`invoice.credit`).
 */
export function invoiceAuditChange(
  before: Invoice | undefined,
  after: Invoice,
  operation?: string,
): AuditChange {
  if (!before) {
    return {
      operation: 'invoice.create',
      entityType: 'invoice',
      entityId: after.id,
      after: invoiceSummary(after),
    };
  }
  return {
    operation:
      operation ?? (after.status === before.status ? 'invoice.refresh' : `invoice.${after.status}`),
    entityType: 'invoice',
    entityId: after.id,
    before: invoiceSummary(before),
    after: invoiceSummary(after),
  };
}

/** An invoice event (`billing.invoice.created`, `.finalized`, `billing.payment.processed`). */
export function invoiceEvent(
  outbox: OutboxWriter,
  invoice: Invoice,
  type: BillingEventType,
): BillingEvent {
  return outbox.event(
    type,
    {
      invoiceId: invoice.id,
      number: invoice.number,
      period: invoice.period,
      status: invoice.status,
      currency: invoice.currency,
      total: invoice.total,
      amountDue: invoice.amountDue,
      providerInvoiceId: invoice.provider?.invoiceId ?? null,
      billingReason: invoice.billingReason ?? 'period',
    },
    { customerId: invoice.customerId },
  );
}

/** `billing.payment.processed` of a payment recorded on `invoice` without a provider. */
export function manualPaymentEvent(
  outbox: OutboxWriter,
  invoice: Invoice,
  payment: InvoicePayment,
): BillingEvent {
  return outbox.event(
    'billing.payment.processed',
    {
      paymentId: payment.id,
      provider: MANUAL_PAYMENT_PROVIDER,
      status: 'succeeded',
      amount: payment.amount,
      amountReceived: payment.amount,
      currency: invoice.currency,
      invoiceId: invoice.id,
      failureCode: null,
      stripeEventId: null,
      method: payment.method,
      reference: payment.reference,
    },
    { customerId: invoice.customerId, occurredAt: payment.recordedAt },
  );
}

/** An audited invoice change: `before` undefined for a new invoice. */
export interface InvoiceAudit {
  before?: Invoice;
  after: Invoice;
  /** The audit operation, when the status change does not name it (`invoice.credit`). */
  operation?: string;
}

/** An invoice event, with the state of the invoice it reports. */
export interface InvoiceEventOf {
  type: BillingEventType;
  invoice: Invoice;
}

/**
 * The outbox and audit items that go into the same transaction as invoice changes, so events
 * and audit records exist exactly when the changes do. A billing run writes many invoices in
 * one transaction; their events then share outbox items instead of taking one each.
 */
@Injectable()
export class InvoiceRecords {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  /** The event of a payment recorded without a provider (for `itemsFor`'s `otherEvents`). */
  paymentEvent(invoice: Invoice, payment: InvoicePayment): BillingEvent {
    return manualPaymentEvent(this.outbox, invoice, payment);
  }

  /** The items to add to the transaction that makes the `audits` changes and `events`. */
  itemsFor(
    audits: readonly InvoiceAudit[],
    events: readonly InvoiceEventOf[],
    otherEvents: readonly BillingEvent[] = [],
  ): TransactItem[] {
    return [
      ...this.outboxItems([
        ...events.map((e) => invoiceEvent(this.outbox, e.invoice, e.type)),
        ...otherEvents,
      ]),
      ...this.audit.entries(
        ...audits.map((a) => invoiceAuditChange(a.before, a.after, a.operation)),
      ),
    ];
  }

  /**
   * As few outbox items as hold the events. The writer refuses an item over its size budget
   * rather than split it; invoice events are small (a chunk's fit in one item many times over),
   * but halving keeps a transaction correct if they ever grow.
   */
  private outboxItems(events: readonly BillingEvent[]): TransactItem[] {
    try {
      const item = this.outbox.entryFor(events);
      return item ? [item] : [];
    } catch (error) {
      if (!(error instanceof OutboxBatchTooLarge) || events.length < 2) throw error;
      const half = Math.ceil(events.length / 2);
      return [...this.outboxItems(events.slice(0, half)), ...this.outboxItems(events.slice(half))];
    }
  }
}
