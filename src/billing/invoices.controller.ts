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
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { checkRouteId, MAX_ID_LENGTH, ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import {
  CreateInvoiceDto,
  InvoiceListResponse,
  InvoiceExplanationResponse,
  InvoicePaymentDto,
  InvoiceResponse,
  ListInvoicesQuery,
  RecordPaymentDto,
  RecordedPaymentResponse,
} from './invoice.dto';
import type { InvoiceExplanation } from './invoice-explanation';
import { InvoicesService } from './invoices.service';

/** Any well-formed id is looked up (404 when unknown), not only the `inv_<customer>_<YYYY-MM>` ones. */
@Injectable()
class InvoiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return checkRouteId(value, MAX_ID_LENGTH.invoice);
  }
}

@ApiTags('invoices')
@Controller('v1')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post('invoices')
  @ApiOperation({
    operationId: 'createInvoice',
    summary: "Create the customer's invoice for a period (201), or return the existing one (200)",
  })
  @ApiCreatedResponse({ type: InvoiceResponse, description: 'A new draft invoice' })
  @ApiOkResponse({
    type: InvoiceResponse,
    description: 'The invoice that already exists for this customer and period',
  })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'], 422: ['PERIOD_NOT_STARTED'] })
  async create(
    @Body() body: CreateInvoiceDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<InvoiceResponse> {
    const { invoice, created } = await this.invoices.create(body.customerId, body.period);
    res.status(created ? 201 : 200);
    return InvoiceResponse.from(invoice);
  }

  @Get('invoices/:id')
  @ApiOperation({ operationId: 'getInvoice', summary: 'Get an invoice' })
  @ApiOkResponse({ type: InvoiceResponse, description: 'The invoice' })
  @ApiErrors({ 404: ['INVOICE_NOT_FOUND'] })
  async get(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.get(id));
  }

  @Get('invoices/:id/explain')
  @ApiOperation({
    operationId: 'explainInvoice',
    summary: 'Why every line of an invoice is what it is',
    description:
      "Each priced line with its plan version and when it was in force, the arithmetic written out, and the usage behind it as day totals per endpoint (adding up exactly to the line's quantity) with the usage read for each day; proration and the minimum top-up the same way; credit and adjustment lines say what they are.",
  })
  @ApiOkResponse({ type: InvoiceExplanationResponse, description: 'The explanation' })
  @ApiErrors({ 404: ['INVOICE_NOT_FOUND', 'CUSTOMER_NOT_FOUND'] })
  explain(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceExplanation> {
    return this.invoices.explain(id);
  }

  @Get('customers/:id/invoices')
  @ApiOperation({
    operationId: 'listCustomerInvoices',
    summary: "A customer's invoices, newest period first",
  })
  @ApiOkResponse({ type: InvoiceListResponse, description: 'A page of invoices' })
  @ApiErrors({ 400: ['INVALID_CURSOR'], 404: ['CUSTOMER_NOT_FOUND'] })
  async list(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ListInvoicesQuery,
  ): Promise<InvoiceListResponse> {
    const page = await this.invoices.listForCustomer(id, query.limit ?? 20, query.cursor);
    return { data: page.invoices.map((i) => InvoiceResponse.from(i)), nextCursor: page.nextCursor };
  }

  @Post('invoices/:id/refresh')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'refreshInvoice',
    summary: 'Recalculate a draft from the usage so far',
  })
  @ApiOkResponse({ type: InvoiceResponse, description: 'The recalculated draft' })
  @ApiErrors({
    404: ['INVOICE_NOT_FOUND'],
    409: ['INVALID_INVOICE_TRANSITION', 'CONCURRENT_MODIFICATION'],
  })
  async refresh(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.refresh(id));
  }

  @Post('invoices/:id/finalize')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'finalizeInvoice',
    summary: 'Freeze the period and amounts, push to Stripe (when enabled) and open the invoice',
    description:
      'Idempotent: finalizing again answers the open invoice. When Stripe is down the invoice stays a draft (503 `STRIPE_UNAVAILABLE`); retry.',
  })
  @ApiOkResponse({ type: InvoiceResponse, description: 'The open invoice' })
  @ApiErrors({
    404: ['INVOICE_NOT_FOUND'],
    409: ['INVALID_INVOICE_TRANSITION', 'CONCURRENT_MODIFICATION', 'STRIPE_INVOICE_MISMATCH'],
    422: ['PERIOD_NOT_ENDED', 'STRIPE_REJECTED'],
    503: ['STRIPE_UNAVAILABLE'],
  })
  async finalize(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.finalize(id));
  }

  @Post('invoices/:id/payments')
  @ApiOperation({
    operationId: 'recordInvoicePayment',
    summary: 'Record a payment received outside any payment provider (bank transfer, check…)',
    description:
      'Partial payments add up in `amountPaid`; the invoice becomes `paid` once they cover `amountDue`. Idempotent on `paymentId`. With Stripe enabled, an invoice paid this way is also marked paid out of band at Stripe (Stripe has no partial out-of-band payments, so only once it is fully paid).',
  })
  @ApiCreatedResponse({ type: RecordedPaymentResponse, description: 'The payment, recorded' })
  @ApiOkResponse({
    type: RecordedPaymentResponse,
    description: 'The same payment, recorded before under this paymentId',
  })
  @ApiErrors({
    404: ['INVOICE_NOT_FOUND'],
    409: ['INVOICE_NOT_PAYABLE', 'PAYMENT_CONFLICT', 'CONCURRENT_MODIFICATION'],
    422: ['OVERPAYMENT'],
  })
  async recordPayment(
    @Param('id', InvoiceIdPipe) id: string,
    @Body() body: RecordPaymentDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<RecordedPaymentResponse> {
    const { payment, invoice, created } = await this.invoices.recordPayment(id, body);
    res.status(created ? 201 : 200);
    return { payment: InvoicePaymentDto.from(payment), invoice: InvoiceResponse.from(invoice) };
  }

  @Post('invoices/:id/mark-uncollectible')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'markInvoiceUncollectible',
    summary: 'Write an open invoice off as uncollectible (it can still be paid)',
    description: 'Idempotent: an uncollectible invoice is answered unchanged.',
  })
  @ApiOkResponse({ type: InvoiceResponse, description: 'The uncollectible invoice' })
  @ApiErrors({
    404: ['INVOICE_NOT_FOUND'],
    409: ['INVALID_INVOICE_TRANSITION', 'CONCURRENT_MODIFICATION'],
  })
  async markUncollectible(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from((await this.invoices.markUncollectible(id)).invoice);
  }

  @Post('invoices/:id/void')
  @HttpCode(200)
  @ApiOperation({ operationId: 'voidInvoice', summary: 'Void a draft or open invoice' })
  @ApiOkResponse({ type: InvoiceResponse, description: 'The void invoice' })
  @ApiErrors({
    404: ['INVOICE_NOT_FOUND'],
    409: ['INVALID_INVOICE_TRANSITION', 'CONCURRENT_MODIFICATION'],
    422: ['STRIPE_REJECTED'],
    503: ['STRIPE_UNAVAILABLE'],
  })
  async void(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.void(id));
  }
}
