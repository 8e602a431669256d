export { stripeKeys } from './idempotency-keys';
export {
  PaymentGatewayDisabledError,
  PaymentProviderRejected,
  ProviderInvoiceMismatch,
} from './payment-errors';
export {
  PaymentGateway,
  STRIPE_PROVIDER,
  refundStatusOf,
  type EnsureCustomerInput,
  type ProviderCreditNote,
  type ProviderCreditNoteReason,
  type ProviderInvoice,
  type ProviderInvoiceLine,
  type ProviderRefund,
  type ProviderRefundStatus,
  type PushCreditNoteInput,
  type PushInvoiceInput,
} from './payment-gateway';
export { PaymentsModule } from './payments.module';
