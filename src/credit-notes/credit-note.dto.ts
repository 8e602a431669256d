import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import {
  CREDIT_NOTE_REASONS,
  type CreditNote,
  type CreditNoteReason,
  PROVIDER_SYNC_STATUSES,
  REFUND_STATUSES,
} from './credit-note.model';

/** Like every id of ours, but ≤ 60 characters: its credit grant is `cn_<id>` (≤ 64). */
export const CREDIT_NOTE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,60}$/;
const LINE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const AMOUNT_RULE =
  "Decimal string in the invoice's currency, greater than 0, with at most the currency's decimals (USD 2, JPY 0)";

export class CreditNoteLineInputDto {
  @ApiProperty({ example: 'L1', description: 'An invoice line (not a prepaid-credit line)' })
  @IsString()
  @Matches(LINE_ID_PATTERN, { message: 'lineId must be an invoice line id' })
  lineId: string;

  @ApiProperty({ example: '4.00', description: AMOUNT_RULE })
  @IsString()
  @MaxLength(40)
  amount: string;
}

export class CreateCreditNoteDto {
  @ApiPropertyOptional({
    example: 'cn-dispute-1042',
    description:
      'Your id for the note (1-60 letters, digits, "_", "-", "."): the same id and body again returns the note (200), a different body is a 409. Generated when omitted.',
  })
  @IsOptional()
  @IsString()
  @Matches(CREDIT_NOTE_ID_PATTERN, {
    message: '$property must be 1-60 characters of letters, digits, "_", "-" or "."',
  })
  creditNoteId?: string;

  @ApiProperty({ enum: CREDIT_NOTE_REASONS, example: 'product_unsatisfactory' })
  @IsIn(CREDIT_NOTE_REASONS)
  reason: CreditNoteReason;

  @ApiPropertyOptional({ example: 'Outage on 12 November', description: 'Shown on the note' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  memo?: string;

  @ApiPropertyOptional({
    type: [CreditNoteLineInputDto],
    description: 'What to credit per invoice line (1-100 lines, each line once); or `amount`',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => CreditNoteLineInputDto)
  lines?: CreditNoteLineInputDto[];

  @ApiPropertyOptional({
    example: '10.00',
    description: `One amount on the invoice as a whole (one line "adjustment"); or \`lines\`. ${AMOUNT_RULE}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  amount?: string;

  @ApiPropertyOptional({
    example: '6.00',
    description:
      'Paid invoices only: what is refunded to the payment method (through Stripe when the invoice was paid there). refund + credit = the note total',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  refund?: string;

  @ApiPropertyOptional({
    example: '4.00',
    description:
      'Paid invoices only: what becomes a `credit_note` credit grant paying future invoices',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  credit?: string;
}

export class VoidCreditNoteDto {
  @ApiPropertyOptional({ example: 'Issued by mistake', description: 'Why; kept on the note' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class ListCreditNotesQuery extends PageQueryDto {}

export class CreditNoteLineResponse {
  @ApiProperty({ example: 'L1', description: 'The invoice line, or "adjustment"' })
  lineId: string;
  @ApiProperty({ example: 'api-calls (*): 1500 units' }) description: string;
  @ApiProperty({ example: '4.00' }) amount: string;
}

export class CreditNoteProviderRefundResponse {
  @ApiProperty({ example: 're_3Q2w3E' }) refundId: string;
  @ApiProperty({
    enum: ['pending', 'succeeded', 'failed'],
    nullable: true,
    type: String,
    example: 'pending',
    description: 'What the provider last reported (null: linked, not reported on yet)',
  })
  status: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) failureReason: string | null;
}

export class CreditNoteRefundResponse {
  @ApiProperty({ example: '6.00' }) amount: string;
  @ApiProperty({
    enum: REFUND_STATUSES,
    example: 'pending',
    description:
      '`none`: nothing refunded; `succeeded` at once when recorded without a payment provider; with Stripe `pending` until Stripe says succeeded or failed',
  })
  status: string;
  @ApiProperty({ type: [CreditNoteProviderRefundResponse] })
  refunds: CreditNoteProviderRefundResponse[];
  @ApiProperty({ nullable: true, type: String, example: null }) failureReason: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) processedAt: string | null;
}

export class CreditNoteCreditResponse {
  @ApiProperty({ example: '4.00' }) amount: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'cn_cn-dispute-1042',
    description: 'The `credit_note` credit grant holding it',
  })
  grantId: string | null;
}

export class CreditNoteProviderResponse {
  @ApiProperty({ example: 'stripe' }) name: string;
  @ApiProperty({
    enum: PROVIDER_SYNC_STATUSES,
    example: 'pushed',
    description: '`pending`: stored here, being created at the provider (retried until it is)',
  })
  status: string;
  @ApiProperty({ example: 'in_1Q2w3E' }) providerInvoiceId: string;
  @ApiProperty({ example: '10.00', description: 'The part mirrored at the provider' })
  amount: string;
  @ApiProperty({ nullable: true, type: String, example: 'cn_1Q2w3E' })
  providerCreditNoteId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'ABCD-0001-CN-01' })
  number: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error: string | null;
}

export class CreditNoteResponse {
  @ApiProperty({
    example: 'cn-dispute-1042',
    nullable: true,
    type: String,
    description: 'Null only in a preview without a creditNoteId',
  })
  id: string | null;
  @ApiProperty({
    example: 'CN-202612-000001',
    nullable: true,
    type: String,
    description: 'Null only in a preview',
  })
  number: string | null;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'inv_acme_2026-11' }) invoiceId: string;
  @ApiProperty({ example: 'INV-202611-000001' }) invoiceNumber: string;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ enum: ['issued', 'void'], example: 'issued' }) status: string;
  @ApiProperty({
    enum: ['pre_payment', 'post_payment'],
    example: 'post_payment',
    description:
      '`pre_payment`: issued while the invoice was owed, it reduced amountDue; `post_payment`: on a paid invoice, a refund and/or credit',
  })
  type: string;
  @ApiProperty({ enum: CREDIT_NOTE_REASONS, example: 'product_unsatisfactory' }) reason: string;
  @ApiProperty({ nullable: true, type: String, example: 'Outage on 12 November' })
  memo: string | null;
  @ApiProperty({ type: [CreditNoteLineResponse] }) lines: CreditNoteLineResponse[];
  @ApiProperty({ example: '10.00' }) total: string;
  @ApiProperty({ type: CreditNoteRefundResponse }) refund: CreditNoteRefundResponse;
  @ApiProperty({ type: CreditNoteCreditResponse }) credit: CreditNoteCreditResponse;
  @ApiProperty({
    type: CreditNoteProviderResponse,
    nullable: true,
    description: 'The Stripe credit note (null when the invoice is not at Stripe)',
  })
  provider: CreditNoteProviderResponse | null;
  @ApiProperty({ example: '2026-12-03T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, example: null }) voidedAt: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) voidReason: string | null;

  static from(note: CreditNote, options: { preview?: boolean } = {}): CreditNoteResponse {
    return Object.assign(new CreditNoteResponse(), {
      id: note.id || null,
      number: options.preview ? null : note.number,
      customerId: note.customerId,
      invoiceId: note.invoiceId,
      invoiceNumber: note.invoiceNumber,
      period: note.period,
      currency: note.currency,
      status: note.status,
      type: note.type,
      reason: note.reason,
      memo: note.memo,
      lines: note.lines.map((l) => ({
        lineId: l.lineId,
        description: l.description,
        amount: l.amount,
      })),
      total: note.total,
      refund: {
        amount: note.refund.amount,
        status: note.refund.status,
        refunds: note.refund.refunds.map((r) => ({
          refundId: r.refundId,
          status: r.status,
          failureReason: r.failureReason,
        })),
        failureReason: note.refund.failureReason,
        processedAt: note.refund.processedAt,
      },
      credit: { amount: note.credit.amount, grantId: note.credit.grantId },
      provider: note.provider && {
        name: note.provider.name,
        status: note.provider.status,
        providerInvoiceId: note.provider.providerInvoiceId,
        amount: note.provider.amount,
        providerCreditNoteId: note.provider.providerCreditNoteId,
        number: note.provider.number,
        error: note.provider.error,
      },
      createdAt: note.createdAt,
      voidedAt: note.voidedAt,
      voidReason: note.voidReason,
    });
  }
}

export class CreditNoteListResponse {
  @ApiProperty({ type: [CreditNoteResponse] }) data: CreditNoteResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJwayI6IkNSRURJVF9OT1RFI2NuLTEifQ',
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor: string | null;
}

export class InvoiceCreditNotesResponse {
  @ApiProperty({ type: [CreditNoteResponse], description: 'In the order they were issued' })
  data: CreditNoteResponse[];
}

export class CreditNotePreviewInvoiceResponse {
  @ApiProperty({ example: 'inv_acme_2026-11' }) id: string;
  @ApiProperty({ enum: ['open', 'paid', 'uncollectible'], example: 'open' }) status: string;
  @ApiProperty({ example: '15.00' }) amountDue: string;
  @ApiProperty({ example: '10.00' }) creditedTotal: string;
}

export class CreditNotePreviewResponse {
  @ApiProperty({ type: CreditNoteResponse, description: 'The note as it would be issued' })
  creditNote: CreditNoteResponse;
  @ApiProperty({
    type: CreditNotePreviewInvoiceResponse,
    description: 'The invoice as the note would leave it',
  })
  invoice: CreditNotePreviewInvoiceResponse;
}
