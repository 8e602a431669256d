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
import { RESOURCE_ID_PATTERN } from '../common/http/resource-id.pipe';
import {
  ALERT_METRICS,
  ALERT_WINDOWS,
  type Alert,
  type AlertMetric,
  type AlertTrigger,
  type AlertWindow,
} from './alert.model';

const VALUE_RULE =
  "Decimal string: spend and credit_balance in the customer's currency (at most its decimals), units with at most 6 decimal places";

export class AlertThresholdInputDto {
  @ApiProperty({ example: '100.00', description: `${VALUE_RULE}; greater than 0` })
  @IsString()
  @MaxLength(40)
  value: string;

  @ApiPropertyOptional({ example: 'spend-100', description: 'Your label, sent with the event' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  code?: string;
}

export class CreateAlertDto {
  @ApiPropertyOptional({
    example: 'spend-watch',
    description:
      'Your id for the alert (1-64 letters, digits, "_", "-", "."): the same id and body again returns the alert (200), a different body is a 409. Generated when omitted.',
  })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, {
    message: '$property must be 1-64 characters of letters, digits, "_", "-" or "."',
  })
  alertId?: string;

  @ApiProperty({
    enum: ALERT_METRICS,
    example: 'spend',
    description:
      "spend: the period's priced total so far; units: usage quantity in the window; credit_balance: the available credit (fires when it falls below a threshold)",
  })
  @IsIn(ALERT_METRICS)
  metric: AlertMetric;

  @ApiPropertyOptional({
    example: '/api/search',
    description: 'units only: count the usage of this exact endpoint path; all usage when omitted',
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  endpoint?: string;

  @ApiPropertyOptional({
    example: 'calls',
    description:
      "spend and units (period window): only this charge of the customer's plan: its priced amount, or the quantity it priced; all charges when omitted",
  })
  @IsOptional()
  @IsString()
  @Matches(RESOURCE_ID_PATTERN, { message: '$property must be a charge id' })
  chargeId?: string;

  @ApiProperty({
    type: [AlertThresholdInputDto],
    description:
      '1-20 thresholds; strictly increasing (spend, units) or strictly decreasing (credit_balance)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AlertThresholdInputDto)
  thresholds: AlertThresholdInputDto[];

  @ApiPropertyOptional({
    example: '100.00',
    description: `spend and units only: another threshold every this much beyond the last listed one. ${VALUE_RULE}; greater than 0`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  recurringEvery?: string;

  @ApiProperty({
    enum: ALERT_WINDOWS,
    example: 'period',
    description:
      'Each threshold fires once per window: period (UTC month) or day (UTC day). spend supports period only',
  })
  @IsIn(ALERT_WINDOWS)
  window: AlertWindow;
}

export class AlertThresholdResponse {
  @ApiProperty({ example: 0, description: 'Position among the listed then recurring thresholds' })
  index: number;
  @ApiProperty({ example: '100.00' }) value: string;
  @ApiProperty({ nullable: true, type: String, example: 'spend-100' }) code: string | null;
  @ApiProperty({ enum: ['armed', 'triggered'], example: 'triggered' }) state: string;
  @ApiProperty({ nullable: true, type: String, example: '2026-11-12T10:00:00.000Z' })
  triggeredAt: string | null;
  @ApiProperty({ example: false, description: 'A recurring threshold (not listed)' })
  recurring: boolean;
}

export class AlertResponse {
  @ApiProperty({ example: 'spend-watch' }) alertId: string;
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ enum: ALERT_METRICS, example: 'spend' }) metric: string;
  @ApiProperty({ nullable: true, type: String, example: null }) endpoint: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) chargeId: string | null;
  @ApiProperty({ nullable: true, type: String, example: '100.00' }) recurringEvery: string | null;
  @ApiProperty({ enum: ALERT_WINDOWS, example: 'period' }) window: string;
  @ApiProperty({ example: '2026-11', description: 'The current window (UTC month or day)' })
  windowId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({
    type: [AlertThresholdResponse],
    description:
      'The listed thresholds, then the recurring ones that fired in the current window; states are for the current window',
  })
  thresholds: AlertThresholdResponse[];
  @ApiProperty({ example: '2026-11-01T09:00:00.000Z' }) createdAt: string;

  static from(alert: Alert, windowId: string, triggers: AlertTrigger[]): AlertResponse {
    const byIndex = new Map(triggers.map((t) => [t.index, t]));
    const listed = alert.thresholds.map((t, index) => ({
      index,
      value: t.value,
      code: t.code,
      recurring: false,
    }));
    const recurring = triggers
      .filter((t) => t.index >= alert.thresholds.length)
      .sort((a, b) => a.index - b.index)
      .map((t) => ({ index: t.index, value: t.threshold, code: null, recurring: true }));
    return {
      alertId: alert.alertId,
      customerId: alert.customerId,
      metric: alert.metric,
      endpoint: alert.endpoint,
      chargeId: alert.chargeId ?? null,
      recurringEvery: alert.recurringEvery,
      window: alert.window,
      windowId,
      currency: alert.currency,
      thresholds: [...listed, ...recurring].map((t) => {
        const trigger = byIndex.get(t.index);
        return {
          ...t,
          state: trigger ? 'triggered' : 'armed',
          triggeredAt: trigger?.triggeredAt ?? null,
        };
      }),
      createdAt: alert.createdAt,
    };
  }
}

export class AlertListResponse {
  @ApiProperty({ type: [AlertResponse] }) data: AlertResponse[];
}
