import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CachedResource } from '../common/cache/cached-resource.decorator';
import { customerResponseKey } from './customer.cache-keys';
import { HttpCacheInterceptor } from '../common/cache/http-cache.interceptor';
import { ValidationFailed } from '../common/errors/domain-error';
import { ApiErrors } from '../common/openapi';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import {
  CreateCustomerDto,
  CustomerListResponse,
  CustomerResponse,
  ListCustomersQuery,
  UpdateCustomerDto,
} from './customer.dto';
import { CustomersService } from './customers.service';
import { ProviderSync } from './provider-sync.service';

@ApiTags('customers')
@Controller('v1/customers')
@UseInterceptors(HttpCacheInterceptor)
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly providerSync: ProviderSync,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'createCustomer',
    summary: 'Create a customer (409 when the id exists, 422 for an unknown plan)',
  })
  @ApiCreatedResponse({ type: CustomerResponse, description: 'The new customer' })
  @ApiErrors({ 409: ['CUSTOMER_EXISTS'], 422: ['UNKNOWN_PLAN', 'CURRENCY_MISMATCH'] })
  async create(@Body() body: CreateCustomerDto): Promise<CustomerResponse> {
    const created = await this.customers.create(body);
    return CustomerResponse.from(await this.providerSync.onCreated(created));
  }

  @Get()
  @ApiOperation({ operationId: 'listCustomers', summary: 'List customers by id, a page at a time' })
  @ApiOkResponse({ type: CustomerListResponse, description: 'A page of customers' })
  @ApiErrors({ 400: ['INVALID_CURSOR'] })
  async list(@Query() query: ListCustomersQuery): Promise<CustomerListResponse> {
    const page = await this.customers.list(query.limit ?? 50, query.cursor);
    return {
      data: page.customers.map((c) => CustomerResponse.from(c)),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getCustomer', summary: 'Get a customer' })
  @ApiOkResponse({ type: CustomerResponse, description: 'The customer' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  @CachedResource(customerResponseKey, 'id')
  async get(@Param('id', ResourceIdPipe) id: string): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.get(id));
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateCustomer',
    summary: 'Change email, name, plan (effective now) or metadata',
  })
  @ApiOkResponse({ type: CustomerResponse, description: 'The customer after the change' })
  @ApiErrors({
    404: ['CUSTOMER_NOT_FOUND'],
    409: ['CUSTOMER_ARCHIVED', 'CONCURRENT_MODIFICATION'],
    422: ['UNKNOWN_PLAN', 'CURRENCY_MISMATCH'],
  })
  async update(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: UpdateCustomerDto,
  ): Promise<CustomerResponse> {
    if (Object.keys(body).length === 0) {
      throw new ValidationFailed([], 'Nothing to change: send email, name, planId or metadata');
    }
    return CustomerResponse.from(await this.customers.update(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'archiveCustomer',
    summary: 'Archive a customer: kept for billing history, no further usage',
  })
  @ApiNoContentResponse({ description: 'Archived (also when it already was)' })
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'], 409: ['CONCURRENT_MODIFICATION'] })
  async archive(@Param('id', ResourceIdPipe) id: string): Promise<void> {
    await this.customers.archive(id);
  }
}
