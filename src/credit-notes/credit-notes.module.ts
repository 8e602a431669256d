import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { CreditsModule } from '../credits/credits.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PaymentsModule } from '../stripe';
import { CreditNoteProvider } from './credit-note-provider';
import { CreditNoteProviderSubscriber } from './credit-note-provider.subscriber';
import { CreditNotesController } from './credit-notes.controller';
import { CreditNotesRepository } from './credit-notes.repository';
import { CreditNotesService } from './credit-notes.service';

/**
 * Credit notes on finalized invoices: billing applies the amounts to the invoice (its rules,
 * its transaction), credits holds the credit part as a `credit_note` grant written in the same
 * transaction, and the payment provider gets a mirror (a durable subscriber retries it).
 * Exports its services for the Stripe webhooks (refund and credit-note reports) and for other
 * modules that issue notes.
 */
@Module({
  imports: [
    BillingModule,
    CreditsModule,
    CustomersModule,
    PaymentsModule,
    EventsModule,
    AuditModule,
  ],
  controllers: [CreditNotesController],
  providers: [
    CreditNotesRepository,
    CreditNoteProvider,
    CreditNotesService,
    CreditNoteProviderSubscriber,
  ],
  exports: [CreditNotesService, CreditNoteProvider],
})
export class CreditNotesModule {}
