import type {
  BillingEventOf,
  BillingEventType,
  InvoiceEventData,
  PaymentEventData,
} from '../events';

type AnyEvent = BillingEventOf<BillingEventType>;

/** The JSON a receiver gets: Slack's incoming-webhook `text`, and the event as published. */
export interface NotificationMessage {
  text: string;
  event: AnyEvent;
}

const who = (event: AnyEvent) => event.customerId ?? 'unknown customer';

/** Money in the events is already a decimal string in major units: shown as it is. */
const amount = (value: string, currency: string) => `${value} ${currency}`;

const invoiceName = (data: InvoiceEventData) => data.number ?? data.invoiceId;

/** ` (2.34 USD due after credits)` when credits paid part of it; events before credits have none. */
const dueAfterCredits = (data: InvoiceEventData) =>
  data.amountDue !== undefined && data.amountDue !== data.total
    ? ` (${amount(data.amountDue, data.currency)} due after credits)`
    : '';

/** Stripe reports a failure as `failed`; a canceled intent or a failure code is one too. */
export function isFailedPayment(data: PaymentEventData): boolean {
  return data.status === 'failed' || data.status === 'canceled' || data.failureCode !== null;
}

function paymentText(event: AnyEvent, data: InvoiceEventData | PaymentEventData): string {
  if (!('paymentId' in data)) {
    return `Invoice ${invoiceName(data)} paid by ${who(event)}: ${amount(data.total, data.currency)}`;
  }
  const sum = amount(data.amount, data.currency);
  const invoice = data.invoiceId ? ` for invoice ${data.invoiceId}` : '';
  if (isFailedPayment(data)) {
    const code = data.failureCode ? ` (${data.failureCode})` : '';
    return `PAYMENT FAILED: ${sum} from ${who(event)}${invoice}, payment ${data.paymentId}${code}`;
  }
  if (data.status === 'succeeded') {
    return `Payment of ${sum} received from ${who(event)}${invoice} (payment ${data.paymentId})`;
  }
  return `Payment ${data.paymentId} of ${sum} from ${who(event)}${invoice} is ${data.status}`;
}

/** One human-readable line per event, e.g. `Invoice INV-202611-000001 finalized for acme: 12.34 USD`. */
export function notificationText(event: AnyEvent): string {
  switch (event.type) {
    case 'billing.invoice.finalized':
      return `Invoice ${invoiceName(event.data)} finalized for ${who(event)}: ${amount(event.data.total, event.data.currency)}${dueAfterCredits(event.data)}`;
    case 'billing.invoice.voided':
      return `Invoice ${invoiceName(event.data)} voided for ${who(event)}: ${amount(event.data.total, event.data.currency)}`;
    case 'billing.invoice.created':
      return `Draft invoice ${invoiceName(event.data)} created for ${who(event)} (${event.data.period}): ${amount(event.data.total, event.data.currency)}`;
    case 'billing.payment.processed':
      return paymentText(event, event.data);
    case 'billing.period.closed': {
      const d = event.data;
      return `Billing period ${d.period} closed: ${d.invoiced} of ${d.customers} customers invoiced, ${d.skipped} skipped`;
    }
    case 'billing.customer.created':
      return `Customer ${who(event)} created on plan ${event.data.planId} (${event.data.currency})`;
    case 'billing.usage.tracked':
      return `Usage tracked for ${who(event)}: ${event.data.quantity} on ${event.data.endpoint} at ${event.data.timestamp}`;
    case 'billing.usage.corrected': {
      const d = event.data;
      const change =
        d.correction === 'void' ? 'voided' : `amended from ${d.previousQuantity} to ${d.quantity}`;
      const invoiced = d.periodClosed ? ` (invoiced period ${d.period}: adjustment pending)` : '';
      return `Usage event ${d.usageEventId} of ${who(event)} on ${d.endpoint} ${change}${invoiced}: ${d.reason}`;
    }
    case 'billing.credits.granted':
      return `Credit of ${amount(event.data.amount, event.data.currency)} granted to ${who(event)} (${event.data.kind}, grant ${event.data.grantId})`;
    case 'billing.credits.applied':
      return `Credits of ${amount(event.data.amount, event.data.currency)} applied to invoice ${event.data.invoiceId} of ${who(event)}; ${amount(event.data.balanceAfter, event.data.currency)} left`;
    case 'billing.credits.expired':
      return `Credit grant ${event.data.grantId} of ${who(event)} expired: ${amount(event.data.amount, event.data.currency)} written off`;
    case 'billing.credits.voided':
      return `Credit grant ${event.data.grantId} of ${who(event)} voided: ${amount(event.data.amount, event.data.currency)} removed`;
    case 'billing.credits.reversed':
      return `Credits of ${amount(event.data.amount, event.data.currency)} given back to ${who(event)}: invoice ${event.data.invoiceId} was voided`;
    case 'billing.credit_note.created': {
      const d = event.data;
      return `Credit note ${d.number} of ${amount(d.total, d.currency)} issued to ${who(event)} on invoice ${d.invoiceNumber} (${d.reason})`;
    }
    case 'billing.credit_note.voided':
      return `Credit note ${event.data.number} of ${who(event)} voided: ${amount(event.data.total, event.data.currency)} back on invoice ${event.data.invoiceNumber}`;
    case 'billing.refund.processed': {
      const d = event.data;
      const sum = amount(d.amount, d.currency);
      return d.status === 'succeeded'
        ? `Refund of ${sum} to ${who(event)} for credit note ${d.number} succeeded`
        : `REFUND FAILED: ${sum} to ${who(event)} for credit note ${d.number}${d.failureReason ? ` (${d.failureReason})` : ''}`;
    }
    case 'billing.alert.triggered': {
      const d = event.data;
      return `Alert ${d.alertId} of ${who(event)}: ${d.metric} ${d.metric === 'credit_balance' ? 'fell below' : 'reached'} ${d.threshold} (now ${d.value}, ${d.window} ${d.windowId})${d.code ? ` [${d.code}]` : ''}`;
    }
    case 'billing.alert.resolved': {
      const d = event.data;
      return `Alert ${d.alertId} of ${who(event)} resolved: ${d.metric} back at ${d.value}, threshold ${d.threshold} armed again (${d.window} ${d.windowId})`;
    }
    case 'billing.webhook.processed': {
      const d = event.data;
      const changes = d.changes.length > 0 ? d.changes.join('; ') : 'no changes';
      return `Stripe event ${d.stripeEventId} (${d.stripeEventType}) processed: ${changes}`;
    }
  }
}

/** The message for an event: its line, and the event exactly as the outbox carries it. */
export function notificationMessage(event: AnyEvent): NotificationMessage {
  return { text: notificationText(event), event };
}
