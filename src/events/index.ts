export {
  BILLING_EVENT_TYPES,
  type BillingEvent,
  type BillingEventMap,
  type BillingEventOf,
  type BillingEventType,
  type CreditNoteEventData,
  type InvoiceEventData,
  type PaymentEventData,
  type RefundEventData,
} from './billing-event-map';
export { EVENT_SOURCE } from './billing-event.model';
export { EventTooLarge, OutboxBatchTooLarge } from './events.errors';
export { EventsModule } from './events.module';
export type { TransactWriteItem } from './outbox.model';
export { OutboxRelay, type RelayStatus } from './outbox.relay';
export { OutboxWriter } from './outbox.writer';
export { QueueItemDelivery, type QueueItemOutcome } from './queue-item-delivery';
export {
  BillingEventSubscriber,
  type BillingEventFor,
  type CustomerWatch,
} from './subscriptions/billing-event-subscriber';
export {
  BillingEventSubscriptions,
  type SubscriberStatus,
} from './subscriptions/billing-event-subscriptions';
