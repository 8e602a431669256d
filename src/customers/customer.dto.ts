import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { IsMetadata } from '../common/http/validators';
import { STRIPE_PROVIDER } from '../stripe';
import { type Customer, DEFAULT_CREDIT_POLICY } from './customer.model';

const ID_MESSAGE = '$property must be 1-64 characters of letters, digits, "_", "-" or "."';

export class CreateCustomerDto {
  @ApiProperty({ example: 'acme', description: 'Your id for the customer; never reused' })
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: ID_MESSAGE })
  id: string;

  @ApiProperty({ example: 'billing@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Acme Inc.' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: 'paid', description: 'An existing plan id (unknown → 422)' })
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: ID_MESSAGE })
  planId: string;

  @ApiPropertyOptional({
    example: 'USD',
    description: "ISO 4217, upper case; defaults to the plan's currency and must match it",
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: '$property must be an upper-case ISO 4217 code' })
  currency?: string;

  @ApiPropertyOptional({ example: { crm: 'A-17' }, description: 'Up to 50 string values' })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    example: '1 Main Street\nSpringfield 12345\nUS',
    description:
      'Postal address printed on invoices; lines separated by "\\n" (up to 500 characters)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  billingAddress?: string;

  @ApiPropertyOptional({
    example: 'DE123456789',
    description: 'Tax or VAT id printed on invoices (up to 64 characters)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  taxId?: string;
}

export class CreditPolicyDto {
  @ApiProperty({
    enum: ['allow', 'block'],
    example: 'block',
    description:
      '`block`: usage whose price would take the priced spend of open periods past the available prepaid credit is refused (402 `INSUFFICIENT_CREDIT`); `allow` (default): recorded and invoiced',
  })
  @IsIn(['allow', 'block'], { message: 'overdraft must be allow or block' })
  overdraft: 'allow' | 'block';
}

export class UpdateCustomerDto {
  @ApiPropertyOptional({ example: 'billing@acme.test' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: 'Acme Inc.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'enterprise', description: 'Plan change, effective now' })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: ID_MESSAGE })
  planId?: string;

  @ApiPropertyOptional({ example: { crm: 'A-17' }, description: 'Replaces the metadata' })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ type: CreditPolicyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CreditPolicyDto)
  creditPolicy?: CreditPolicyDto;

  @ApiPropertyOptional({
    example: '1 Main Street\nSpringfield 12345\nUS',
    description:
      'Postal address printed on invoices; replaces the current one; lines separated by "\\n" (up to 500 characters)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  billingAddress?: string;

  @ApiPropertyOptional({
    example: 'DE123456789',
    description:
      'Tax or VAT id printed on invoices; replaces the current one (up to 64 characters)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  taxId?: string;
}

export class ListCustomersQuery extends PageQueryDto {}

export class ProviderCustomerResponse {
  @ApiProperty({ example: 'stripe', description: 'The payment provider' }) provider: string;
  @ApiProperty({ example: 'cus_123', description: "The provider's customer id" }) id: string;
}

export class CustomerResponse {
  @ApiProperty({ example: 'acme' }) id: string;
  @ApiProperty({ example: 'billing@acme.test' }) email: string;
  @ApiProperty({ example: 'Acme Inc.' }) name: string;
  @ApiProperty({ example: 'paid' }) planId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: { crm: 'A-17' } }) metadata: Record<string, string>;
  @ApiProperty({ enum: ['active', 'archived'], example: 'active' }) status: string;
  @ApiProperty({ enum: ['active', 'past_due', 'cancelled'], example: 'active' })
  billingStatus: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'cus_123',
    description: 'The Stripe customer, when the payment provider is Stripe (see providerCustomer)',
  })
  stripeCustomerId: string | null;
  @ApiProperty({
    nullable: true,
    type: ProviderCustomerResponse,
    description: "The customer's counterpart at the payment provider, once it has one",
  })
  providerCustomer: ProviderCustomerResponse | null;
  @ApiProperty({ type: CreditPolicyDto }) creditPolicy: CreditPolicyDto;
  @ApiProperty({ nullable: true, type: String, example: '1 Main Street\nSpringfield 12345\nUS' })
  billingAddress: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'DE123456789' }) taxId: string | null;
  @ApiProperty({ example: '2026-11-01T09:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-01T09:00:00.000Z' }) updatedAt: string;
  @ApiProperty({ nullable: true, type: String, example: null }) archivedAt: string | null;

  static from(c: Customer): CustomerResponse {
    return Object.assign(new CustomerResponse(), {
      id: c.id,
      email: c.email,
      name: c.name,
      planId: c.planId,
      currency: c.currency,
      metadata: c.metadata,
      status: c.status,
      billingStatus: c.billingStatus,
      stripeCustomerId:
        c.providerCustomer?.provider === STRIPE_PROVIDER ? c.providerCustomer.id : null,
      providerCustomer: c.providerCustomer ? { ...c.providerCustomer } : null,
      creditPolicy: { ...(c.creditPolicy ?? DEFAULT_CREDIT_POLICY) },
      billingAddress: c.billingAddress ?? null,
      taxId: c.taxId ?? null,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      archivedAt: c.archivedAt ?? null,
    });
  }
}

export class CustomerListResponse {
  @ApiProperty({ type: [CustomerResponse] }) data: CustomerResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJwayI6IkNVU1RPTUVSI2FjbWUifQ',
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor: string | null;
}
