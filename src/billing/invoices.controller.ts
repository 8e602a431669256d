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
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { checkRouteId, ResourceIdPipe } from '../common/http/resource-id.pipe';
import {
  CreateInvoiceDto,
  InvoiceListResponse,
  InvoiceResponse,
  ListInvoicesQuery,
} from './invoice.dto';
import { InvoicesService } from './invoices.service';

/** Invoice ids embed the customer id and period (`inv_<customer>_<YYYY-MM>`). */
const INVOICE_ID = /^inv_[A-Za-z0-9_.-]{1,64}_\d{4}-\d{2}$/;

@Injectable()
class InvoiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return checkRouteId(value, INVOICE_ID, 'invoice id (inv_<customer>_<YYYY-MM>)');
  }
}

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post('invoices')
  @ApiOperation({
    summary: "Create the customer's invoice for a period (201), or return the existing one (200)",
  })
  @ApiOkResponse({ type: InvoiceResponse })
  async create(
    @Body() body: CreateInvoiceDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InvoiceResponse> {
    const { invoice, created } = await this.invoices.create(body.customerId, body.period);
    res.status(created ? 201 : 200);
    return InvoiceResponse.from(invoice);
  }

  @Get('invoices/:id')
  @ApiOperation({ summary: 'Get an invoice' })
  @ApiOkResponse({ type: InvoiceResponse })
  async get(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.get(id));
  }

  @Get('customers/:id/invoices')
  @ApiOperation({ summary: "A customer's invoices, newest period first" })
  @ApiOkResponse({ type: InvoiceListResponse })
  async list(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ListInvoicesQuery,
  ): Promise<InvoiceListResponse> {
    const page = await this.invoices.listForCustomer(id, query.limit ?? 20, query.cursor);
    return { data: page.invoices.map((i) => InvoiceResponse.from(i)), nextCursor: page.nextCursor };
  }

  @Post('invoices/:id/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recalculate a draft from the usage so far' })
  @ApiOkResponse({ type: InvoiceResponse })
  async refresh(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.refresh(id));
  }

  @Post('invoices/:id/finalize')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Freeze the period and amounts, push to Stripe (when enabled) and open the invoice',
  })
  @ApiOkResponse({ type: InvoiceResponse })
  async finalize(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.finalize(id));
  }

  @Post('invoices/:id/void')
  @HttpCode(200)
  @ApiOperation({ summary: 'Void a draft or open invoice' })
  @ApiOkResponse({ type: InvoiceResponse })
  async void(@Param('id', InvoiceIdPipe) id: string): Promise<InvoiceResponse> {
    return InvoiceResponse.from(await this.invoices.void(id));
  }
}
