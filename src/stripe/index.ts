export { stripeKeys } from './idempotency-keys';
export {
  PaymentGatewayDisabledError,
  PaymentProviderRejected,
  ProviderInvoiceMismatch,
} from './payment-errors';
export {
  PaymentGateway,
  STRIPE_PROVIDER,
  type EnsureCustomerInput,
  type ProviderInvoice,
  type ProviderInvoiceLine,
  type PushInvoiceInput,
} from './payment-gateway';
export { PaymentsModule } from './payments.module';
