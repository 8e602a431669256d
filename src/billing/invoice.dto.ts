import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { IsPeriod } from '../common/http/validators';
import type { Invoice } from './invoice.model';

export class CreateInvoiceDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: 'customerId must be a customer id' })
  customerId: string;

  @ApiProperty({ example: '2026-10', description: 'YYYY-MM; any period that has started' })
  @IsPeriod()
  period: string;
}

export class ListInvoicesQuery extends PageQueryDto {}

export class InvoiceTierDto {
  @ApiProperty({ example: '1001' }) from: string;
  @ApiProperty({ example: '10000', nullable: true, type: String }) to: string | null;
  @ApiProperty({ example: '500' }) quantity: string;
  @ApiProperty({ example: '0.01' }) unitAmount: string;
  @ApiProperty({ example: '0.00' }) flatAmount: string;
  @ApiProperty({ example: '5.00' }) amount: string;
}

export class InvoiceLineDto {
  @ApiProperty({ example: 'L1', description: 'Stable within the invoice' }) id: string;
  @ApiProperty({
    enum: ['usage', 'base_fee', 'minimum', 'credit', 'adjustment'],
    example: 'usage',
    description: '`credit` lines (prepaid credits) are negative and follow the priced lines',
  })
  kind: string;
  @ApiProperty({ example: 'api-calls (*): 1500 units' }) description: string;
  @ApiProperty({ example: '5.00' }) amount: string;
  @ApiPropertyOptional({ example: 'api-calls', description: 'Usage lines: the plan charge' })
  chargeId?: string;
  @ApiPropertyOptional({ example: '*' }) endpoint?: string;
  @ApiPropertyOptional({ example: 'graduated' }) model?: string;
  @ApiPropertyOptional({ example: '1500' }) quantity?: string;
  @ApiPropertyOptional({ example: 'paid' }) planId?: string;
  @ApiPropertyOptional({ example: 1 }) planVersion?: number;
  @ApiPropertyOptional({ type: [InvoiceTierDto], description: 'Per-tier breakdown (usage lines)' })
  tiers?: InvoiceTierDto[];
  @ApiPropertyOptional({
    example: 'grant_2026_promo',
    description: 'Credit lines: the credit grant',
  })
  reference?: string;
  @ApiPropertyOptional({
    example: '1.50',
    description: 'What issued credit notes credited on this line (absent while none did)',
  })
  credited?: string;
}

export class ProviderInvoiceDto {
  @ApiProperty({ example: 'in_1Q2w3E' }) invoiceId: string;
  @ApiProperty({ nullable: true, type: String, example: 'ABCD-0001' }) number: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'https://invoice.stripe.com/i/acct_1/test',
  })
  hostedUrl: string | null;
  @ApiProperty({ example: 'open' }) status: string;
}

export class InvoiceResponse {
  @ApiProperty({ example: 'inv_acme_2026-10' }) id: string;
  @ApiProperty({ example: 'INV-202610-000042' }) number: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ enum: ['draft', 'open', 'paid', 'void', 'uncollectible'], example: 'draft' })
  status: string;
  @ApiProperty({ type: [InvoiceLineDto] }) lines: InvoiceLineDto[];
  @ApiProperty({ example: '5.00' }) subtotal: string;
  @ApiProperty({ example: '0.00' }) baseFee: string;
  @ApiProperty({ example: '0.00' }) minimumTopUp: string;
  @ApiProperty({ example: '5.00', description: 'The priced lines, before credits' })
  total: string;
  @ApiProperty({ example: '0.00', description: 'What credit lines take off the total' })
  credits: string;
  @ApiProperty({
    example: '5.00',
    description:
      'total − credits − what credit notes took off while the invoice was still owed: what the customer pays',
  })
  amountDue: string;
  @ApiProperty({
    example: '0.00',
    description: 'What issued (not void) credit notes credited, whatever the status (≤ total)',
  })
  creditedTotal: string;
  @ApiProperty({ example: '0.00' }) amountPaid: string;
  @ApiProperty({ example: 0 }) paymentAttempts: number;
  @ApiProperty({
    type: ProviderInvoiceDto,
    nullable: true,
    description: 'The Stripe invoice, once pushed (null while Stripe has none)',
  })
  provider: ProviderInvoiceDto | null;
  @ApiProperty({ example: '2026-11-01T00:05:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-01T00:05:00.000Z' }) updatedAt: string;
  @ApiPropertyOptional({ example: '2026-11-01T00:06:00.000Z' }) finalizedAt?: string;
  @ApiPropertyOptional({ example: '2026-11-03T12:00:00.000Z' }) paidAt?: string;
  @ApiPropertyOptional({ example: '2026-11-02T09:00:00.000Z' }) voidedAt?: string;
  @ApiPropertyOptional({ example: '2026-12-01T09:00:00.000Z' }) markedUncollectibleAt?: string;

  static from(invoice: Invoice): InvoiceResponse {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { revision, ...rest } = invoice;
    return Object.assign(new InvoiceResponse(), rest);
  }
}

export class InvoiceListResponse {
  @ApiProperty({ type: [InvoiceResponse] }) data: InvoiceResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJwayI6IkNVU1RPTUVSI2FjbWUifQ',
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor: string | null;
}
