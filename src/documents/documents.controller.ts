import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  StreamableFile,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import accepts from 'accepts';
import type { FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { checkRouteId, MAX_ID_LENGTH, ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors, ApiTag } from '../common/openapi';
import { DocumentLinkInvalid } from './document-links';
import { CreateShareLinkDto, DocumentQuery, ShareLinkResponse } from './documents.dto';
import { type DocumentFormat, DocumentsService, type RenderedDocument } from './documents.service';

const DOCUMENT_CONTENT = {
  'application/pdf': {
    schema: { type: 'string', format: 'binary' },
    example: '%PDF-1.3 …',
  },
  'text/html': {
    schema: { type: 'string' },
    example: '<!DOCTYPE html><html lang="en">…</html>',
  },
} as const;

/** Longest token accepted: a payload of a maximal invoice id and its signature fit well within. */
const MAX_TOKEN_LENGTH = 512;

/** `?format=` wins; else the Accept header (HTML only when preferred to PDF); else PDF. */
function formatOf(query: DocumentQuery, req: FastifyRequest): DocumentFormat {
  if (query.format) return query.format;
  return accepts(req.raw).type(['application/pdf', 'text/html']) === 'text/html' ? 'html' : 'pdf';
}

/** PDFs download (`attachment`), HTML shows in the browser (`inline`); named by the number. */
function file(document: RenderedDocument): StreamableFile {
  const name = `${document.number.replace(/[^A-Za-z0-9._-]/g, '_')}.${document.format}`;
  const disposition = document.format === 'pdf' ? 'attachment' : 'inline';
  return new StreamableFile(document.body, {
    type: document.contentType,
    disposition: `${disposition}; filename="${name}"`,
    length: document.body.length,
  });
}

@ApiTag('documents', 'Invoice and credit-note documents (PDF, HTML) and share links')
@Controller('v1')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get('invoices/:id/document')
  @ApiOperation({
    operationId: 'getInvoiceDocument',
    summary: 'The invoice as a PDF (default) or an HTML page (Accept: text/html or ?format=html)',
  })
  @ApiProduces('application/pdf', 'text/html')
  @ApiOkResponse({
    description: 'The document; Content-Disposition names it by the invoice number',
    content: DOCUMENT_CONTENT,
  })
  @ApiErrors({ 404: ['INVOICE_NOT_FOUND', 'CUSTOMER_NOT_FOUND'] })
  async invoiceDocument(
    @Param('id') id: string,
    @Query() query: DocumentQuery,
    @Req() req: FastifyRequest,
  ): Promise<StreamableFile> {
    const invoiceId = checkRouteId(id, MAX_ID_LENGTH.invoice);
    return file(await this.documents.invoiceDocument(invoiceId, formatOf(query, req)));
  }

  @Get('credit-notes/:id/document')
  @ApiOperation({
    operationId: 'getCreditNoteDocument',
    summary: 'The credit note as a PDF (default) or an HTML page',
  })
  @ApiProduces('application/pdf', 'text/html')
  @ApiOkResponse({
    description: 'The document; Content-Disposition names it by the credit-note number',
    content: DOCUMENT_CONTENT,
  })
  @ApiErrors({ 404: ['CREDIT_NOTE_NOT_FOUND', 'CUSTOMER_NOT_FOUND'] })
  async creditNoteDocument(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: DocumentQuery,
    @Req() req: FastifyRequest,
  ): Promise<StreamableFile> {
    return file(await this.documents.creditNoteDocument(id, formatOf(query, req)));
  }

  @Post('invoices/:id/share-link')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createInvoiceShareLink',
    summary: "A signed link to the invoice's page that works without an API key until it expires",
  })
  @ApiCreatedResponse({ type: ShareLinkResponse, description: 'The link' })
  @ApiErrors({ 404: ['INVOICE_NOT_FOUND'] })
  async shareLink(
    @Param('id') id: string,
    @Body() body: CreateShareLinkDto,
  ): Promise<ShareLinkResponse> {
    const invoiceId = checkRouteId(id, MAX_ID_LENGTH.invoice);
    return this.documents.shareLink(invoiceId, body.expiresInSeconds);
  }

  @Get('public/invoices/:token')
  @Public()
  @ApiOperation({
    operationId: 'getSharedInvoice',
    summary:
      'The invoice a share link names, without an API key: its HTML page (a PDF with ?format=pdf)',
  })
  @ApiProduces('text/html', 'application/pdf')
  @ApiOkResponse({ description: 'The document', content: DOCUMENT_CONTENT })
  @ApiErrors({
    403: ['DOCUMENT_LINK_INVALID'],
    404: ['INVOICE_NOT_FOUND', 'CUSTOMER_NOT_FOUND'],
    410: ['DOCUMENT_LINK_EXPIRED'],
  })
  async shared(
    @Param('token') token: string,
    @Query() query: DocumentQuery,
  ): Promise<StreamableFile> {
    if (token.length > MAX_TOKEN_LENGTH) throw new DocumentLinkInvalid();
    return file(await this.documents.sharedInvoiceDocument(token, query.format ?? 'html'));
  }
}
