import { Injectable } from '@nestjs/common';
import { type BillingEventFor, BillingEventSubscriber } from '../events';
import { MANUAL_PAYMENT_PROVIDER } from './invoice-records';
import { InvoicesService } from './invoices.service';
import { ProviderInvoicesService } from './provider-invoices.service';

type Handled = 'billing.payment.processed';

/**
 * Tells the payment provider about invoices paid by payments recorded here (bank transfers,
 * checks…), at least once: the request that recorded the payment tries right away, and this
 * durable subscriber again until it works (a provider outage is thrown, so the event is retried
 * with backoff). The idempotency key from our invoice id makes the repeats one payment there.
 */
@Injectable()
export class ManualPaymentProviderSubscriber extends BillingEventSubscriber<Handled> {
  readonly name = 'manual-payment-provider';
  readonly eventTypes = ['billing.payment.processed'] as const;

  constructor(
    private readonly invoices: InvoicesService,
    private readonly provider: ProviderInvoicesService,
  ) {
    super();
  }

  async handle(event: BillingEventFor<Handled>): Promise<void> {
    const data = event.data;
    if (!('paymentId' in data) || data.provider !== MANUAL_PAYMENT_PROVIDER || !data.invoiceId) {
      return;
    }
    if (!this.provider.enabled) return;
    await this.provider.payOutOfBand(await this.invoices.get(data.invoiceId));
  }
}
