import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Param,
  PipeTransform,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MAX_ID_LENGTH, ResourceIdPipe, checkRouteId } from '../common/http/resource-id.pipe';
import { ApiErrors, ApiTag } from '../common/openapi';
import {
  CreateCreditNoteDto,
  CreditNoteListResponse,
  CreditNotePreviewResponse,
  CreditNoteResponse,
  InvoiceCreditNotesResponse,
  ListCreditNotesQuery,
  VoidCreditNoteDto,
} from './credit-note.dto';
import { CreditNotesService } from './credit-notes.service';

/** Any well-formed invoice id is looked up (404 when unknown), as on the invoice routes. */
@Injectable()
class InvoiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return checkRouteId(value, MAX_ID_LENGTH.invoice);
  }
}

/** What every request that computes a note can refuse (issue and preview alike). */
const NOTE_REFUSALS = {
  404: ['INVOICE_NOT_FOUND'],
  409: ['INVOICE_NOT_CREDITABLE'],
  422: [
    'UNKNOWN_INVOICE_LINE',
    'CREDIT_NOTE_EXCEEDS_LINE',
    'CREDIT_NOTE_EXCEEDS_INVOICE',
    'CREDIT_NOTE_EXCEEDS_AMOUNT_DUE',
    'CREDIT_NOTE_AMOUNTS_INVALID',
    'CREDIT_NOTE_EXCEEDS_PAYMENT',
  ],
};

@ApiTag(
  'credit-notes',
  'Credit notes: money taken off a finalized invoice (less due, a refund, or credit for later invoices), mirrored at Stripe',
)
@Controller('v1')
export class CreditNotesController {
  constructor(private readonly notes: CreditNotesService) {}

  @Post('invoices/:id/credit-notes')
  @ApiOperation({
    operationId: 'createCreditNote',
    summary:
      'Issue a credit note on an invoice (201), or return the same note for its creditNoteId (200)',
    description:
      'Open or uncollectible invoice: the note reduces amountDue (no refund, no credit). Paid invoice: refund + credit = the total. With Stripe the note is stored first and then mirrored at Stripe (retried until it is).',
  })
  @ApiCreatedResponse({ type: CreditNoteResponse, description: 'The new credit note' })
  @ApiOkResponse({
    type: CreditNoteResponse,
    description: 'The credit note this creditNoteId already names, with the same body',
  })
  @ApiErrors({
    ...NOTE_REFUSALS,
    409: [
      ...NOTE_REFUSALS[409],
      'CREDIT_NOTE_CONFLICT',
      'CREDIT_GRANT_CONFLICT',
      'CONCURRENT_MODIFICATION',
    ],
  })
  async create(
    @Param('id', InvoiceIdPipe) id: string,
    @Body() body: CreateCreditNoteDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CreditNoteResponse> {
    const { note, created } = await this.notes.issue(id, body);
    res.status(created ? 201 : 200);
    return CreditNoteResponse.from(note);
  }

  @Post('invoices/:id/credit-notes/preview')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'previewCreditNote',
    summary: 'What a credit note with this body would do; nothing is stored',
  })
  @ApiOkResponse({
    type: CreditNotePreviewResponse,
    description: 'The note and the invoice after it',
  })
  @ApiErrors(NOTE_REFUSALS)
  async preview(
    @Param('id', InvoiceIdPipe) id: string,
    @Body() body: CreateCreditNoteDto,
  ): Promise<CreditNotePreviewResponse> {
    const { note, invoice } = await this.notes.preview(id, body);
    return {
      creditNote: CreditNoteResponse.from(note, { preview: true }),
      invoice: {
        id: invoice.id,
        status: invoice.status,
        amountDue: invoice.amountDue,
        creditedTotal: invoice.creditedTotal,
      },
    };
  }

  @Get('invoices/:id/credit-notes')
  @ApiOperation({ operationId: 'listInvoiceCreditNotes', summary: "An invoice's credit notes" })
  @ApiOkResponse({ type: InvoiceCreditNotesResponse, description: 'In the order they were issued' })
  @ApiErrors({ 404: ['INVOICE_NOT_FOUND'] })
  async listForInvoice(
    @Param('id', InvoiceIdPipe) id: string,
  ): Promise<InvoiceCreditNotesResponse> {
    const notes = await this.notes.listForInvoice(id);
    return { data: notes.map((n) => CreditNoteResponse.from(n)) };
  }

  @Get('customers/:id/credit-notes')
  @ApiOperation({
    operationId: 'listCustomerCreditNotes',
    summary: "A customer's credit notes, newest first",
  })
  @ApiOkResponse({ type: CreditNoteListResponse, description: 'A page of credit notes' })
  @ApiErrors({ 400: ['INVALID_CURSOR'], 404: ['CUSTOMER_NOT_FOUND'] })
  async listForCustomer(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ListCreditNotesQuery,
  ): Promise<CreditNoteListResponse> {
    const page = await this.notes.listForCustomer(id, query.limit ?? 20, query.cursor);
    return { data: page.notes.map((n) => CreditNoteResponse.from(n)), nextCursor: page.nextCursor };
  }

  @Get('credit-notes/:id')
  @ApiOperation({ operationId: 'getCreditNote', summary: 'Get a credit note' })
  @ApiOkResponse({ type: CreditNoteResponse, description: 'The credit note' })
  @ApiErrors({ 404: ['CREDIT_NOTE_NOT_FOUND'] })
  async get(@Param('id', ResourceIdPipe) id: string): Promise<CreditNoteResponse> {
    return CreditNoteResponse.from(await this.notes.get(id));
  }

  @Post('credit-notes/:id/void')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'voidCreditNote',
    summary: 'Void a credit note while none of its money moved; again → unchanged',
    description:
      'Refused (409 CREDIT_NOTE_NOT_VOIDABLE) once its refund succeeded or is pending, once some of its credit was spent, or when it reduced what a since-paid invoice asked for.',
  })
  @ApiOkResponse({ type: CreditNoteResponse, description: 'The void credit note' })
  @ApiErrors({
    404: ['CREDIT_NOTE_NOT_FOUND'],
    409: ['CREDIT_NOTE_NOT_VOIDABLE', 'CONCURRENT_MODIFICATION'],
    503: ['STRIPE_UNAVAILABLE'],
  })
  async void(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: VoidCreditNoteDto,
  ): Promise<CreditNoteResponse> {
    return CreditNoteResponse.from(await this.notes.void(id, body.reason));
  }
}
