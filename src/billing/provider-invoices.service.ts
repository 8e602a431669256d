import { Injectable } from '@nestjs/common';
import { Dec, toMinorUnits } from '../common/money';
import { ProviderSync } from '../customers/provider-sync.service';
import { PaymentGateway } from '../stripe';
import type { Invoice } from './invoice.model';

/**
 * Our invoices' side at the payment provider, for finalize, void and billing runs. Every call is
 * idempotent on our ids (invoice id, line ids), so repeating one after any failure, or after a
 * success whose answer was lost, finds what exists instead of creating a second one.
 */
@Injectable()
export class ProviderInvoicesService {
  constructor(
    private readonly gateway: PaymentGateway,
    private readonly providerSync: ProviderSync,
  ) {}

  get enabled(): boolean {
    return this.gateway.enabled;
  }

  /**
   * Pushes the invoice with its final amounts and finalizes it there; returns the provider
   * invoice, or null when there is no provider or nothing is due (an invoice paid in full by
   * credits is settled here, like one of zero). Credit lines go as negative items, so the
   * provider's total is our `amountDue`.
   */
  async push(invoice: Invoice): Promise<Invoice['provider']> {
    if (!this.gateway.enabled) return null;
    if (new Dec(invoice.amountDue).isZero()) return null;
    const lines = invoice.lines.filter((l) => !new Dec(l.amount).isZero());
    const providerCustomerId = await this.providerSync.sync(invoice.customerId);
    const pushed = await this.gateway.pushInvoice({
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      customerId: invoice.customerId,
      providerCustomerId,
      period: invoice.period,
      currency: invoice.currency,
      lines: lines.map((l) => ({
        lineId: l.id,
        description: l.description,
        amountMinor: toMinorUnits(new Dec(l.amount), invoice.currency).toString(),
      })),
    });
    return {
      invoiceId: pushed.providerInvoiceId,
      number: pushed.providerNumber,
      hostedUrl: pushed.hostedUrl,
      status: pushed.status,
    };
  }

  /**
   * Settles the provider invoice out of band once payments recorded here paid ours (the
   * provider has no partial out-of-band payments, so nothing is sent while one is partly paid).
   * Idempotent on our invoice id; nothing to do without a provider invoice.
   */
  async payOutOfBand(invoice: Invoice): Promise<boolean> {
    if (!invoice.provider || !this.gateway.enabled) return false;
    if (invoice.status !== 'paid' || !(invoice.payments?.length ?? 0)) return false;
    await this.gateway.payInvoiceOutOfBand(invoice.provider.invoiceId, invoice.id);
    return true;
  }

  /** Voids the invoice's provider invoice, if it has one. */
  async void(invoice: Invoice): Promise<void> {
    if (invoice.provider && this.gateway.enabled) {
      await this.gateway.voidInvoice(invoice.provider.invoiceId, invoice.id);
    }
  }
}
