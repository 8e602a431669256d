import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../common/http/page-query.dto';
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import { IsDateOrInstant, IsMetadata } from '../common/http/validators';
import type { CreditBalanceView } from './credit-balance.service';
import {
  CREDIT_GRANT_KINDS,
  CREDIT_GRANT_STATUSES,
  type CreditGrant,
  REQUESTABLE_GRANT_KINDS,
  type RequestableGrantKind,
  type CreditGrantStatus,
  DEFAULT_CREDIT_PRIORITY,
  LEDGER_ENTRY_TYPES,
  type LedgerEntry,
  grantStatus,
  grantSummary,
} from './credit.model';

const DATE_DESCRIPTION = 'YYYY-MM-DD (midnight UTC) or an ISO-8601 date-time with a time zone';

export class CreateCreditGrantDto {
  @ApiPropertyOptional({
    example: 'promo-2026-11',
    description:
      'Your id for the grant (1-64 letters, digits, "_", "-", "."): the same id and body again returns the grant (200), a different body is a 409. Generated when omitted.',
  })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, {
    message: '$property must be 1-64 characters of letters, digits, "_", "-" or "."',
  })
  grantId?: string;

  @ApiProperty({
    example: '500.00',
    description:
      "Decimal string in the customer's currency, greater than 0, with at most the currency's decimals (USD 2, JPY 0)",
  })
  @IsString()
  @MaxLength(40)
  amount: string;

  @ApiProperty({
    enum: REQUESTABLE_GRANT_KINDS,
    example: 'purchased',
    description: '`credit_note` grants are made by credit notes only',
  })
  @IsIn(REQUESTABLE_GRANT_KINDS)
  kind: RequestableGrantKind;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100,
    default: DEFAULT_CREDIT_PRIORITY,
    example: 10,
    description: 'Lower numbers pay first',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  priority?: number;

  @ApiPropertyOptional({
    example: '2026-11-01T00:00:00Z',
    description: `From when the grant pays for usage; now when omitted. ${DATE_DESCRIPTION}`,
  })
  @IsOptional()
  @IsDateOrInstant()
  effectiveAt?: string;

  @ApiPropertyOptional({
    example: '2027-11-01T00:00:00Z',
    description: `From when it no longer does; after effectiveAt; never when omitted. ${DATE_DESCRIPTION}`,
  })
  @IsOptional()
  @IsDateOrInstant()
  expiresAt?: string;

  @ApiPropertyOptional({ example: 'Annual prepayment' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  description?: string;

  @ApiPropertyOptional({ example: { order: 'SO-1042' }, description: 'Up to 50 string values' })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;
}

export class VoidCreditGrantDto {
  @ApiPropertyOptional({ example: 'Refunded', description: 'Why; kept in the ledger entry' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class ListCreditGrantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: CREDIT_GRANT_STATUSES })
  @IsOptional()
  @IsIn(CREDIT_GRANT_STATUSES)
  status?: CreditGrantStatus;
}

export class CreditLedgerQuery extends PageQueryDto {}

export class CreditGrantResponse {
  @ApiProperty({ example: 'promo-2026-11' }) grantId: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ enum: CREDIT_GRANT_KINDS, example: 'promotional' }) kind: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '500.00' }) amount: string;
  @ApiProperty({ example: '120.50', description: 'What the grant can still pay' })
  remaining: string;
  @ApiProperty({
    enum: CREDIT_GRANT_STATUSES,
    example: 'active',
    description:
      'voided; else expired (expiresAt has passed, or the remainder was written off); else depleted (nothing left); else active',
  })
  status: string;
  @ApiProperty({ example: 50 }) priority: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) effectiveAt: string;
  @ApiProperty({ nullable: true, type: String, example: '2027-11-01T00:00:00.000Z' })
  expiresAt: string | null;
  @ApiProperty({ example: '2026-11-01T09:00:00.000Z' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, example: 'Annual prepayment' })
  description: string | null;
  @ApiProperty({ example: { order: 'SO-1042' } }) metadata: Record<string, string>;
  @ApiProperty({ nullable: true, type: String, example: null }) voidedAt: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'When the remainder was written off after expiry',
  })
  writtenOffAt: string | null;

  static from(grant: CreditGrant, now: Date): CreditGrantResponse {
    return Object.assign(new CreditGrantResponse(), {
      ...grantSummary(grant),
      status: grantStatus(grant, now),
      createdAt: grant.createdAt,
      description: grant.description,
      metadata: grant.metadata,
    });
  }
}

export class CreditGrantListResponse {
  @ApiProperty({ type: [CreditGrantResponse] }) data: CreditGrantResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJwayI6IkNSRURJVFMjYWNtZSJ9',
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor: string | null;
}

export class CreditBalanceGrantResponse {
  @ApiProperty({ example: 'promo-2026-11' }) grantId: string;
  @ApiProperty({ example: '120.50' }) remaining: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) effectiveAt: string;
  @ApiProperty({ nullable: true, type: String, example: '2027-11-01T00:00:00.000Z' })
  expiresAt: string | null;
}

export class CreditBalanceResponse {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({
    example: '620.50',
    description: 'What the grants still hold (neither voided nor written off)',
  })
  available: string;
  @ApiProperty({
    example: '42.10',
    description:
      "What credits will pay, by the drawdown rules, for the open periods' charges so far (the current period, and the previous one while its invoice is not final)",
  })
  pendingSpend: string;
  @ApiProperty({
    type: [CreditBalanceGrantResponse],
    description: 'The grants that hold credit, in drawdown order',
  })
  grants: CreditBalanceGrantResponse[];
  @ApiProperty({ example: '2026-11-24T10:00:00.000Z' }) asOf: string;

  static from(view: CreditBalanceView): CreditBalanceResponse {
    return Object.assign(new CreditBalanceResponse(), {
      ...view,
      grants: view.grants.map((g) => Object.assign(new CreditBalanceGrantResponse(), g)),
    });
  }
}

export class LedgerGrantAmountResponse {
  @ApiProperty({ example: 'promo-2026-11' }) grantId: string;
  @ApiProperty({ example: '-42.10', description: "Signed like the entry's amount" })
  amount: string;
}

export class LedgerActorResponse {
  @ApiProperty({ enum: ['api_key', 'stripe', 'system'], example: 'api_key' }) type: string;
  @ApiProperty({ example: 'ops', description: 'The API key name, or "system"' }) name: string;
}

export class CreditLedgerEntryResponse {
  @ApiProperty({ example: 7, description: '1, 2, 3… per customer' }) seq: number;
  @ApiProperty({ enum: LEDGER_ENTRY_TYPES, example: 'applied' }) type: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({
    example: '-42.10',
    description: '+ for grant and reversed, − for applied, expired and voided',
  })
  amount: string;
  @ApiProperty({ example: '578.40' }) balanceAfter: string;
  @ApiProperty({ example: '2026-12-01T00:05:00.000Z' }) at: string;
  @ApiProperty({ nullable: true, type: String, example: null }) grantId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'inv_acme_2026-11' })
  invoiceId: string | null;
  @ApiProperty({ type: [LedgerGrantAmountResponse], description: 'Per grant' })
  grants: LedgerGrantAmountResponse[];
  @ApiProperty({ type: LedgerActorResponse, description: 'Who' }) actor: LedgerActorResponse;
  @ApiProperty({ example: 'invoice INV-202611-000001 (2026-11) finalized', description: 'Why' })
  reason: string;

  static from(entry: LedgerEntry): CreditLedgerEntryResponse {
    return Object.assign(new CreditLedgerEntryResponse(), {
      seq: entry.seq,
      type: entry.type,
      currency: entry.currency,
      amount: entry.amount,
      balanceAfter: entry.balanceAfter,
      at: entry.at,
      grantId: entry.grantId,
      invoiceId: entry.invoiceId,
      grants: entry.grants.map((g) => ({ grantId: g.grantId, amount: g.amount })),
      actor: { type: entry.actor.type, name: entry.actor.name },
      reason: entry.reason,
    });
  }
}

export class CreditLedgerResponse {
  @ApiProperty({ type: [CreditLedgerEntryResponse], description: 'Newest first' })
  data: CreditLedgerEntryResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJwayI6IkNSRURJVFMjYWNtZSJ9',
    description: 'Pass as ?cursor= for the next page',
  })
  nextCursor: string | null;
}
