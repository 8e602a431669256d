import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { CreditNotesModule } from '../credit-notes/credit-notes.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { DocumentRendersRepository } from './document-renders.repository';
import { DocumentsAuditSubscriber } from './documents-audit.subscriber';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
// The module's configuration: defined on import, validated at start with every other fragment.
import './documents.config';

/**
 * Invoice and credit-note documents: PDF (pdfkit, standard fonts) and HTML (Mustache), signed
 * share links, and the SHA-256 of every finalized invoice's PDF in the audit trail (a durable
 * subscriber of `billing.invoice.finalized`). Reads invoices, customers and credit notes through
 * their modules' services.
 */
@Module({
  imports: [BillingModule, CustomersModule, CreditNotesModule, EventsModule, AuditModule],
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentRendersRepository, DocumentsAuditSubscriber],
  exports: [DocumentsService],
})
export class DocumentsModule {}
