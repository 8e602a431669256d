import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors, ApiTag } from '../common/openapi';
import { Clock } from '../common/time/clock';
import {
  CreateCreditGrantDto,
  CreditBalanceResponse,
  CreditGrantListResponse,
  CreditGrantResponse,
  CreditLedgerEntryResponse,
  CreditLedgerQuery,
  CreditLedgerResponse,
  ListCreditGrantsQuery,
  VoidCreditGrantDto,
} from './credit.dto';
import { CreditBalanceService } from './credit-balance.service';
import { CreditsService } from './credits.service';

@ApiTag('credits', 'Prepaid credit: grants, the ledger and the balance (drawn down by invoices)')
@Controller('v1/customers/:id')
export class CreditsController {
  constructor(
    private readonly credits: CreditsService,
    private readonly balances: CreditBalanceService,
    private readonly clock: Clock,
  ) {}

  @Post('credit-grants')
  @ApiOperation({
    operationId: 'createCreditGrant',
    summary: 'Grant prepaid credit (201), or return the same grant again for its grantId (200)',
  })
  @ApiCreatedResponse({ type: CreditGrantResponse, description: 'The new grant' })
  @ApiOkResponse({
    type: CreditGrantResponse,
    description: 'The grant this grantId already names, with the same body',
  })
  @ApiErrors({
    404: ['CUSTOMER_NOT_FOUND'],
    409: ['CREDIT_GRANT_CONFLICT', 'CUSTOMER_ARCHIVED', 'CONCURRENT_MODIFICATION'],
  })
  async grant(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: CreateCreditGrantDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CreditGrantResponse> {
    const { grant, created } = await this.credits.grant(id, body);
    res.status(created ? 201 : 200);
    return CreditGrantResponse.from(grant, this.clock.now());
  }

  @Get('credit-grants')
  @ApiOperation({
    operationId: 'listCreditGrants',
    summary: "A customer's credit grants by grantId, optionally of one status",
  })
  @ApiOkResponse({ type: CreditGrantListResponse, description: 'A page of grants' })
  @ApiErrors({ 400: ['INVALID_CURSOR'], 404: ['CUSTOMER_NOT_FOUND'] })
  async list(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ListCreditGrantsQuery,
  ): Promise<CreditGrantListResponse> {
    const page = await this.credits.list(id, {
      status: query.status,
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    const now = this.clock.now();
    return {
      data: page.grants.map((g) => CreditGrantResponse.from(g, now)),
      nextCursor: page.nextCursor,
    };
  }

  @Get('credit-grants/:grantId')
  @ApiOperation({ operationId: 'getCreditGrant', summary: 'Get a credit grant' })
  @ApiOkResponse({ type: CreditGrantResponse, description: 'The grant' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND', 'CREDIT_GRANT_NOT_FOUND'] })
  async get(
    @Param('id', ResourceIdPipe) id: string,
    @Param('grantId', ResourceIdPipe) grantId: string,
  ): Promise<CreditGrantResponse> {
    return CreditGrantResponse.from(await this.credits.get(id, grantId), this.clock.now());
  }

  @Post('credit-grants/:grantId/void')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'voidCreditGrant',
    summary: 'Void what is left of a grant (what it paid stays paid); again → unchanged',
  })
  @ApiOkResponse({ type: CreditGrantResponse, description: 'The voided grant' })
  @ApiErrors({
    404: ['CUSTOMER_NOT_FOUND', 'CREDIT_GRANT_NOT_FOUND'],
    409: ['CONCURRENT_MODIFICATION', 'CREDIT_GRANT_OF_CREDIT_NOTE'],
  })
  async void(
    @Param('id', ResourceIdPipe) id: string,
    @Param('grantId', ResourceIdPipe) grantId: string,
    @Body() body: VoidCreditGrantDto,
  ): Promise<CreditGrantResponse> {
    const grant = await this.credits.void(id, grantId, body.reason);
    return CreditGrantResponse.from(grant, this.clock.now());
  }

  @Get('credit-balance')
  @ApiOperation({
    operationId: 'getCreditBalance',
    summary: "A customer's available credit and what its open periods will take from it",
  })
  @ApiOkResponse({ type: CreditBalanceResponse, description: 'The balance' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  async balance(@Param('id', ResourceIdPipe) id: string): Promise<CreditBalanceResponse> {
    return CreditBalanceResponse.from(await this.balances.balance(id));
  }

  @Get('credit-ledger')
  @ApiOperation({
    operationId: 'getCreditLedger',
    summary: "A customer's credit ledger, newest entry first",
  })
  @ApiOkResponse({ type: CreditLedgerResponse, description: 'A page of ledger entries' })
  @ApiErrors({ 400: ['INVALID_CURSOR'], 404: ['CUSTOMER_NOT_FOUND'] })
  async ledger(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: CreditLedgerQuery,
  ): Promise<CreditLedgerResponse> {
    const page = await this.credits.ledgerPage(id, query.limit ?? 50, query.cursor);
    return {
      data: page.entries.map((e) => CreditLedgerEntryResponse.from(e)),
      nextCursor: page.nextCursor,
    };
  }
}
