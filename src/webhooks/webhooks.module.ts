import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { CreditNotesModule } from '../credit-notes/credit-notes.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { CustomerEventsHandler } from './handlers/customer-events.handler';
import { CreditNoteEventsHandler } from './handlers/credit-note-events.handler';
import { CustomerResolver } from './handlers/customer-resolver';
import { InvoiceEventsHandler } from './handlers/invoice-events.handler';
import { PaymentIntentEventsHandler } from './handlers/payment-intent-events.handler';
import { StripeEventHandlers } from './handlers/stripe-event-handlers';
import { PaymentRecordsRepository } from './payment-records.repository';
import { StripeWebhooksController } from './stripe-webhooks.controller';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookRecovery, WebhookRecoveryJob } from './webhook-recovery.service';
import { WebhookSignatureVerifier } from './webhook-signature.verifier';
import { WebhookMetrics } from './webhook.metrics';

/**
 * Stripe webhooks: `POST /v1/webhooks/stripe` (signature-verified inbox, handlers for invoice,
 * customer, payment-intent, credit-note and refund events) and the admin routes to list and replay stored events.
 * Exports nothing: other modules learn about payments through the outbox events.
 */
@Module({
  imports: [CustomersModule, BillingModule, CreditNotesModule, EventsModule],
  controllers: [StripeWebhooksController],
  providers: [
    WebhookSignatureVerifier,
    WebhookInboxRepository,
    PaymentRecordsRepository,
    CustomerResolver,
    InvoiceEventsHandler,
    CustomerEventsHandler,
    PaymentIntentEventsHandler,
    CreditNoteEventsHandler,
    StripeEventHandlers,
    StripeWebhooksService,
    WebhookMetrics,
    WebhookRecovery,
    WebhookRecoveryJob,
  ],
})
export class WebhooksModule {}
