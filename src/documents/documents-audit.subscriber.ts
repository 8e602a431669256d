import { Injectable } from '@nestjs/common';
import { AUDIT_RETENTION_DAYS } from '../audit/audit.model';
import { AuditService } from '../audit/audit.service';
import { InvoicesService } from '../billing/invoices.service';
import { Clock } from '../common/time/clock';
import { BillingEventSubscriber, type BillingEventFor } from '../events';
import { DocumentRendersRepository } from './document-renders.repository';
import { DocumentsService, sha256Hex } from './documents.service';

/**
 * When an invoice is finalized, renders its PDF and writes the SHA-256 and size to the audit
 * trail (`document.render` on the invoice), so what the customer was sent can be proven later by
 * rendering again (renders are byte-identical) or by hashing the file they hold. Once per event:
 * the audit record is written with a marker keyed by the event id, conditioned on its absence.
 * The invoice is rendered as stored when the event is handled (normally still as finalized; an
 * invoice paid or credited in between renders with that, and `revision` says which one it was).
 */
@Injectable()
export class DocumentsAuditSubscriber extends BillingEventSubscriber<'billing.invoice.finalized'> {
  readonly name = 'document-render-audit';
  readonly eventTypes = ['billing.invoice.finalized'] as const;

  constructor(
    private readonly invoices: InvoicesService,
    private readonly documents: DocumentsService,
    private readonly renders: DocumentRendersRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: BillingEventFor<'billing.invoice.finalized'>): Promise<void> {
    const invoice = await this.invoices.get(event.data.invoiceId);
    const pdf = await this.documents.invoicePdf(invoice);
    const sha256 = sha256Hex(pdf);
    const renderedAt = this.clock.now().toISOString();
    await this.renders.recordOnce(
      {
        invoiceId: invoice.id,
        eventId: event.eventId,
        sha256,
        bytes: pdf.length,
        renderedAt,
        expiresAt: Math.floor(Date.parse(renderedAt) / 1000) + AUDIT_RETENTION_DAYS * 86_400,
      },
      this.audit.entries({
        operation: 'document.render',
        entityType: 'invoice_document',
        entityId: invoice.id,
        after: {
          format: 'pdf',
          sha256,
          bytes: pdf.length,
          number: invoice.number,
          status: invoice.status,
          revision: invoice.revision,
          eventId: event.eventId,
        },
      }),
    );
  }
}
