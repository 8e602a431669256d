import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import type { Invoice } from './invoice.model';

export class CreateInvoiceDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: 'customerId must be a customer id' })
  customerId: string;

  @ApiProperty({ example: '2026-10', description: 'YYYY-MM; any period that has started' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'period must be YYYY-MM' })
  period: string;
}

export class ListInvoicesQuery extends PageQueryDto {}

export class InvoiceLineDto {
  @ApiProperty({ example: 'L1' }) id: string;
  @ApiProperty({ enum: ['usage', 'base_fee', 'minimum'] }) kind: string;
  @ApiProperty({ example: 'api-calls (*): 1500 units' }) description: string;
  @ApiProperty({ example: '5.00' }) amount: string;
  @ApiPropertyOptional({ example: '1500' }) quantity?: string;
  @ApiPropertyOptional({ description: 'Per-tier breakdown (usage lines)' }) tiers?: object[];
}

export class InvoiceResponse {
  @ApiProperty({ example: 'inv_acme_2026-10' }) id: string;
  @ApiProperty({ example: 'INV-202610-000042' }) number: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ enum: ['draft', 'open', 'paid', 'void', 'uncollectible'] }) status: string;
  @ApiProperty({ type: [InvoiceLineDto] }) lines: InvoiceLineDto[];
  @ApiProperty({ example: '5.00' }) subtotal: string;
  @ApiProperty({ example: '0.00' }) baseFee: string;
  @ApiProperty({ example: '0.00' }) minimumTopUp: string;
  @ApiProperty({ example: '5.00' }) total: string;
  @ApiProperty({ example: '0.00' }) amountPaid: string;
  @ApiProperty({ example: 0 }) paymentAttempts: number;
  @ApiProperty({
    nullable: true,
    example: { invoiceId: 'in_123', number: 'ABCD-0001', hostedUrl: 'https://…', status: 'open' },
  })
  provider: object | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional() finalizedAt?: string;
  @ApiPropertyOptional() paidAt?: string;
  @ApiPropertyOptional() voidedAt?: string;

  static from(invoice: Invoice): InvoiceResponse {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { revision, ...rest } = invoice;
    return Object.assign(new InvoiceResponse(), rest);
  }
}

export class InvoiceListResponse {
  @ApiProperty({ type: [InvoiceResponse] }) data: InvoiceResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
