import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import { ExplainedLineDto, ExplainedSegmentDto } from '../pricing/explain.dto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { IsPeriod } from '../common/http/validators';
import {
  INVOICE_LINE_KINDS,
  type Invoice,
  type InvoicePayment,
  PAYMENT_METHODS,
  type PaymentMethod,
} from './invoice.model';

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

/** Like every id of ours: letters, digits, "_", "-", "." (1-64). */
const PAYMENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export class RecordPaymentDto {
  @ApiPropertyOptional({
    example: 'wire-2026-11-0042',
    description:
      'Your id for the payment (1-64 letters, digits, "_", "-", "."): the same id and body again returns the payment (200), a different body is a 409. Generated when omitted.',
  })
  @IsOptional()
  @IsString()
  @Matches(PAYMENT_ID_PATTERN, {
    message: '$property must be 1-64 characters of letters, digits, "_", "-" or "."',
  })
  paymentId?: string;

  @ApiProperty({
    example: '40.00',
    description:
      "Decimal string in the invoice's currency, greater than 0, with at most the currency's decimals (USD 2, JPY 0); at most what is still due",
  })
  @IsString()
  @MaxLength(40)
  amount: string;

  @ApiProperty({
    example: '2026-11-20T09:30:00Z',
    description:
      'When the money was received: ISO-8601 date-time with a time zone, not in the future',
  })
  @IsString()
  @MaxLength(40)
  paidAt: string;

  @ApiProperty({ enum: PAYMENT_METHODS, example: 'bank_transfer' })
  @IsIn(PAYMENT_METHODS)
  method: PaymentMethod;

  @ApiPropertyOptional({
    example: 'SEPA ref 7781-22',
    description: 'Bank reference, check number…',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reference?: string;
}

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
    enum: INVOICE_LINE_KINDS,
    example: 'usage',
    description:
      '`credit` lines (prepaid credits) and `deduction` lines (what threshold invoices of the period billed) are negative and follow the priced lines',
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

export class InvoicePaymentDto {
  @ApiProperty({ example: 'wire-2026-11-0042' }) id: string;
  @ApiProperty({ example: '40.00' }) amount: string;
  @ApiProperty({ enum: PAYMENT_METHODS, example: 'bank_transfer' }) method: string;
  @ApiProperty({ nullable: true, type: String, example: 'SEPA ref 7781-22' })
  reference: string | null;
  @ApiProperty({ example: '2026-11-20T09:30:00.000Z' }) paidAt: string;
  @ApiProperty({ example: '2026-11-20T10:02:11.000Z' }) recordedAt: string;

  static from(payment: InvoicePayment): InvoicePaymentDto {
    return Object.assign(new InvoicePaymentDto(), payment);
  }
}

export class ThresholdRefDto {
  @ApiProperty({ example: 2, description: '1-based, in ascending order of value' }) index: number;
  @ApiProperty({ example: '500.00' }) value: string;
}

export class InvoiceResponse {
  @ApiProperty({ example: 'inv_acme_2026-10' }) id: string;
  @ApiProperty({ example: 'INV-202610-000042' }) number: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({
    enum: ['period', 'threshold'],
    example: 'period',
    description:
      '`period`: the invoice closing the period (id `inv_<customer>_<period>`); `threshold`: issued during the period when its usage spend reached a billing threshold (id `…_t<n>`)',
  })
  billingReason: string;
  @ApiPropertyOptional({
    type: ThresholdRefDto,
    description: 'Threshold invoices: which threshold of the period was reached',
  })
  threshold?: ThresholdRefDto;
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
  @ApiPropertyOptional({
    type: [InvoicePaymentDto],
    description: 'Payments recorded without a payment provider, oldest first (absent while none)',
  })
  payments?: InvoicePaymentDto[];
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
    return Object.assign(new InvoiceResponse(), {
      ...rest,
      billingReason: invoice.billingReason ?? 'period',
    });
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

export class RecordedPaymentResponse {
  @ApiProperty({ type: InvoicePaymentDto }) payment: InvoicePaymentDto;
  @ApiProperty({ type: InvoiceResponse, description: 'The invoice after the payment' })
  invoice: InvoiceResponse;
}

export class ExplainedInvoiceLineDto {
  @ApiProperty({ example: 'L1' }) id: string;
  @ApiProperty({ enum: INVOICE_LINE_KINDS, example: 'usage' })
  kind: string;
  @ApiProperty({ example: 'api-calls (*): 9000 units' }) description: string;
  @ApiProperty({ example: '90.00' }) amount: string;
  @ApiPropertyOptional({ example: '9000' }) quantity?: string;
  @ApiPropertyOptional({ example: '4.00' }) credited?: string;
  @ApiProperty({
    example: true,
    description:
      'Priced lines: pricing the period again gives exactly this line (false once its usage was corrected after the invoice was frozen)',
  })
  matchesCharges: boolean;
  @ApiProperty({
    type: ExplainedLineDto,
    nullable: true,
    description: 'The explanation of a priced line that matches',
  })
  charge: ExplainedLineDto | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'What a line that is not priced from usage is',
  })
  note: string | null;
}

export class InvoiceExplanationResponse {
  @ApiProperty({ example: 'inv_acme_2026-11' }) invoiceId: string;
  @ApiProperty({ example: 'INV-202611-000001' }) number: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: 'open' }) status: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '120.00' }) total: string;
  @ApiProperty({ example: '0.00' }) credits: string;
  @ApiProperty({ example: '0.00' }) creditedTotal: string;
  @ApiProperty({ example: '120.00' }) amountDue: string;
  @ApiProperty({ example: '0.00' }) amountPaid: string;
  @ApiProperty({ type: [ExplainedSegmentDto] }) segments: ExplainedSegmentDto[];
  @ApiProperty({ type: [ExplainedInvoiceLineDto] }) lines: ExplainedInvoiceLineDto[];
}
