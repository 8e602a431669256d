import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Invoice } from '../billing/invoice.model';
import { InvoicesService } from '../billing/invoices.service';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/configuration';
import { CreditNotesService } from '../credit-notes/credit-notes.service';
import { CustomersService } from '../customers/customers.service';
import { MAX_LINK_SECONDS, signLink, verifyLink } from './document-links';
import { creditNoteView, type DocumentView, invoiceView } from './document-view';
import type { DocumentsConfig } from './documents.config';
import { renderHtml } from './invoice-html';
import { renderPdf } from './invoice-pdf';

export type DocumentFormat = 'pdf' | 'html';

export interface RenderedDocument {
  format: DocumentFormat;
  contentType: string;
  /** The document's number, for the file name. */
  number: string;
  body: Buffer;
}

export interface ShareLink {
  url: string;
  expiresAt: string;
}

/** Where share links point: `GET` of this plus the token. */
export const PUBLIC_INVOICE_PATH = '/v1/public/invoices/';

/**
 * Invoice and credit-note documents (PDF and HTML) from the stored records, and the signed links
 * that show one invoice's document without an API key. Reads invoices, customers and credit
 * notes through their modules' services; stores nothing itself.
 */
@Injectable()
export class DocumentsService {
  private readonly config: DocumentsConfig;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly invoices: InvoicesService,
    private readonly customers: CustomersService,
    private readonly creditNotes: CreditNotesService,
    private readonly clock: Clock,
  ) {
    this.config = config.get('documents', { infer: true });
  }

  private get logo(): Buffer | undefined {
    return this.config.seller.logo?.data;
  }

  async invoiceView(invoice: Invoice): Promise<DocumentView> {
    const [customer, notes] = await Promise.all([
      this.customers.get(invoice.customerId),
      this.creditNotes.listForInvoice(invoice.id),
    ]);
    return invoiceView(invoice, customer, notes, this.config);
  }

  /** The invoice's PDF as it is stored now: the same invoice gives the same bytes. */
  async invoicePdf(invoice: Invoice): Promise<Buffer> {
    return renderPdf(await this.invoiceView(invoice), this.logo);
  }

  async invoiceDocument(
    invoiceId: string,
    format: DocumentFormat,
    options: { pdfUrl?: string } = {},
  ): Promise<RenderedDocument> {
    const invoice = await this.invoices.get(invoiceId);
    return this.render(await this.invoiceView(invoice), format, options.pdfUrl);
  }

  async creditNoteDocument(creditNoteId: string, format: DocumentFormat) {
    const note = await this.creditNotes.get(creditNoteId);
    const customer = await this.customers.get(note.customerId);
    return this.render(creditNoteView(note, customer, this.config), format);
  }

  /** A link to the invoice's HTML page, valid for `expiresInSeconds` (≤ 30 days). */
  async shareLink(invoiceId: string, expiresInSeconds: number): Promise<ShareLink> {
    await this.invoices.get(invoiceId);
    const seconds = Math.min(Math.max(1, Math.floor(expiresInSeconds)), MAX_LINK_SECONDS);
    const exp = Math.floor(this.clock.now().getTime() / 1000) + seconds;
    const token = signLink({ invoiceId, exp }, this.config.linkSecret);
    return {
      url: `${PUBLIC_INVOICE_PATH}${token}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }

  /** The document a share link shows; only the invoice named in the signed token. */
  async sharedInvoiceDocument(token: string, format: DocumentFormat): Promise<RenderedDocument> {
    const { invoiceId } = verifyLink(
      token,
      this.config.linkSecret,
      Math.floor(this.clock.now().getTime() / 1000),
    );
    return this.invoiceDocument(invoiceId, format, {
      pdfUrl: `${PUBLIC_INVOICE_PATH}${token}?format=pdf`,
    });
  }

  private async render(
    view: DocumentView,
    format: DocumentFormat,
    pdfUrl?: string,
  ): Promise<RenderedDocument> {
    if (format === 'html') {
      return {
        format,
        contentType: 'text/html; charset=utf-8',
        number: view.number,
        body: Buffer.from(renderHtml(view, { pdfUrl, logo: this.logo }), 'utf8'),
      };
    }
    return {
      format,
      contentType: 'application/pdf',
      number: view.number,
      body: await renderPdf(view, this.logo),
    };
  }
}

export const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
