export {
  BILLING_EVENT_TYPES,
  EVENT_SOURCE,
  type BillingEvent,
  type BillingEventType,
} from './billing-event.model';
export { EventTooLarge, OutboxBatchTooLarge } from './events.errors';
export { EventsModule } from './events.module';
export type { TransactWriteItem } from './outbox.model';
export { OutboxRelay, type RelayStatus } from './outbox.relay';
export { OutboxWriter } from './outbox.writer';
