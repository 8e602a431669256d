import { PaymentGatewayDisabledError } from './payment-errors';
import { PaymentGateway, type ProviderCreditNote, type ProviderInvoice } from './payment-gateway';

/** Used when STRIPE_SECRET_KEY is unset: invoices stay local (DESIGN §3). */
export class NoopPaymentGateway extends PaymentGateway {
  readonly enabled = false;
  readonly provider = 'none';

  ensureCustomer(): Promise<{ providerCustomerId: string }> {
    return Promise.reject(new PaymentGatewayDisabledError('ensureCustomer'));
  }

  pushInvoice(): Promise<ProviderInvoice> {
    return Promise.reject(new PaymentGatewayDisabledError('pushInvoice'));
  }

  voidInvoice(): Promise<void> {
    return Promise.reject(new PaymentGatewayDisabledError('voidInvoice'));
  }

  payInvoiceOutOfBand(): Promise<void> {
    return Promise.reject(new PaymentGatewayDisabledError('payInvoiceOutOfBand'));
  }

  pushCreditNote(): Promise<ProviderCreditNote> {
    return Promise.reject(new PaymentGatewayDisabledError('pushCreditNote'));
  }

  voidCreditNote(): Promise<ProviderCreditNote> {
    return Promise.reject(new PaymentGatewayDisabledError('voidCreditNote'));
  }
}
