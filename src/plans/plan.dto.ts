import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  CHARGE_MODEL_NAMES,
  chargeModel,
  type ChargeModelField,
  type PlanDocument,
} from '../pricing-core';
import type { PlanVersion } from './plan.model';

export class PlanVersionQuery {
  @ApiPropertyOptional({
    example: 2,
    description: 'A specific version; the version in force now when omitted',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  version?: number;
}

export class PlanResponse {
  @ApiProperty({ example: 'paid' }) id: string;
  @ApiProperty({ example: 'Paid' }) name: string;
  @ApiProperty({ example: 'USD', description: 'ISO 4217, upper case' }) currency: string;
  @ApiProperty({ example: '0.00', description: 'Decimal string, major units' }) baseFee: string;
  @ApiProperty({ example: '0.00', description: 'Decimal string, major units' })
  minimumCharge: string;
  @ApiPropertyOptional({ type: () => PlanLimitsDto }) limits?: { unitsPerDay?: number };
  @ApiProperty({
    type: () => [ChargeDto],
    description: `Charges (DESIGN §5): ${CHARGE_MODEL_NAMES.join(', ')}`,
  })
  charges: PlanDocument['charges'];
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) effectiveFrom: string;
  @ApiProperty({ example: '2026-10-30T12:00:00.000Z' }) createdAt: string;

  static from(v: PlanVersion): PlanResponse {
    return Object.assign(new PlanResponse(), {
      ...v.document,
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      createdAt: v.createdAt,
    });
  }
}

export class PlanListResponse {
  @ApiProperty({ type: [PlanResponse] }) data: PlanResponse[];
}

export class PlanLimitsDto {
  @ApiPropertyOptional({
    example: 100000,
    description:
      'Units a customer may record per UTC day; more is refused (429 today, 422 for a past day)',
  })
  unitsPerDay?: number;
}

/* Documentation-only shapes: plan documents are checked by the pricing core's validatePlan,
   which reports every bad field (tiers ascending, last upTo null, amounts, currency, ...). The
   charge models, and the fields each accepts, come from the pricing core's charge-model registry,
   so a new model shows up here without an edit. */

export class TierDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 10000,
    description: 'Inclusive; null on the last tier only',
  })
  upTo: number | null;
  @ApiProperty({ example: '0.01', description: 'Decimal string, up to 12 decimal places' })
  unitAmount: string;
  @ApiPropertyOptional({ example: '0', description: 'Charged once when the tier is reached' })
  flatAmount?: string;
}

function registeredModels() {
  return CHARGE_MODEL_NAMES.map((name) => ({ name, definition: chargeModel(name) }));
}

/** A Markdown list: each model, what it charges and the fields it accepts. */
function modelDescription(): string {
  return registeredModels()
    .map(({ name, definition }) => {
      const fields = Object.keys(definition.fields).join(', ');
      return `- \`${name}\`: ${definition.description}${fields ? ` (${fields})` : ''}`;
    })
    .join('\n');
}

function schemaType(field: ChargeModelField): ApiPropertyOptions {
  switch (field.type) {
    case 'decimal':
    case 'string':
      return { type: String };
    case 'integer':
      return { type: 'integer' };
    case 'number':
      return { type: Number };
    case 'tiers':
      return { type: [TierDto] };
  }
}

/**
 * One optional property per model-specific field. A field several models share (tiers) is
 * documented once; its description names the models, and whether each requires the field.
 */
function documentModelFields(target: typeof ChargeDto): void {
  const byField = new Map<string, { field: ChargeModelField; uses: Map<string, string[]> }>();
  for (const { name, definition } of registeredModels()) {
    for (const [key, field] of Object.entries(definition.fields)) {
      const entry = byField.get(key) ?? { field, uses: new Map<string, string[]>() };
      if (entry.field.type !== field.type) {
        throw new Error(`Charge field ${key} has two types: ${entry.field.type}, ${field.type}`);
      }
      const use = `(${field.required ? 'required' : 'optional'}): ${field.description}`;
      entry.uses.set(use, [...(entry.uses.get(use) ?? []), name]);
      byField.set(key, entry);
    }
  }
  for (const [key, { field, uses }] of byField) {
    ApiPropertyOptional({
      ...schemaType(field),
      ...(field.enum ? { enum: [...field.enum] } : {}),
      ...(field.example !== undefined ? { example: field.example } : {}),
      description: [...uses].map(([use, models]) => `${models.join(', ')} ${use}`).join('\n'),
    })(target.prototype, key);
  }
}

export class ChargeDto {
  @ApiProperty({ example: 'api-calls', description: 'Unique within the plan' }) id: string;
  @ApiProperty({ example: '*', description: '"*", exact "/api/search" or prefix "/api/*"' })
  endpoint: string;
  @ApiProperty({ enum: ['sum', 'count'], example: 'sum' }) aggregation: string;
  @ApiProperty({
    enum: CHARGE_MODEL_NAMES,
    example: 'graduated',
    description: modelDescription(),
  })
  model: string;
  /** The model-specific fields (unitAmount, tiers, ...), documented from the registry below. */
  [field: string]: unknown;
}

documentModelFields(ChargeDto);

export class PlanDocumentDto {
  @ApiProperty({ example: 'pro' }) id: string;
  @ApiProperty({ example: 'Pro' }) name: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '49.00' }) baseFee: string;
  @ApiProperty({ example: '0' }) minimumCharge: string;
  @ApiPropertyOptional({ type: () => PlanLimitsDto }) limits?: { unitsPerDay?: number };
  @ApiProperty({ type: [ChargeDto] }) charges: ChargeDto[];
}

export class PlanVersionDocumentDto extends PlanDocumentDto {
  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'When the version takes effect; now when omitted; never in the past',
  })
  effectiveFrom?: string;
}
