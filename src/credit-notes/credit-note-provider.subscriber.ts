import { Injectable } from '@nestjs/common';
import { type BillingEventFor, BillingEventSubscriber } from '../events';
import { CreditNoteProvider } from './credit-note-provider';

type Handled = 'billing.credit_note.created' | 'billing.credit_note.voided';

/**
 * Mirrors every issued or voided note at the payment provider, at least once: the request that
 * issued it tries right away, and this durable subscriber again until it works (a provider
 * outage is thrown, so the event is retried with backoff). The provider's idempotency key
 * (`billing-cn-<id>`) makes the repeats one credit note there.
 */
@Injectable()
export class CreditNoteProviderSubscriber extends BillingEventSubscriber<Handled> {
  readonly name = 'credit-note-provider';
  readonly eventTypes = ['billing.credit_note.created', 'billing.credit_note.voided'] as const;

  constructor(private readonly provider: CreditNoteProvider) {
    super();
  }

  async handle(event: BillingEventFor<Handled>): Promise<void> {
    await this.provider.sync(event.data.creditNoteId);
  }
}
