import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export class StartBillingRunDto {
  @ApiProperty({ example: '2026-10', description: 'YYYY-MM; a period that has ended' })
  @IsString()
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY-MM' })
  period: string;
}

class BillingRunCountsDto {
  @ApiProperty({ example: 1000, description: 'Customers seen, archived ones included' })
  customers: number;
  @ApiProperty({ example: 996, description: 'Customers whose invoice is finalized' })
  invoiced: number;
  @ApiProperty({ example: 1, description: 'Customers to retry (see failures)' })
  failed: number;
  @ApiProperty({ example: 3, description: 'Archived customers' })
  skipped: number;
}

class BillingRunFailureDto {
  @ApiProperty({ example: 'acme' }) customerId: string;
  @ApiProperty({ example: 'STRIPE_UNAVAILABLE' }) code: string;
  @ApiProperty({ example: 'Stripe is unavailable; retry shortly' }) message: string;
  @ApiProperty({ example: 1, description: 'Passes that tried this customer' }) attempts: number;
}

export class BillingRunResponse {
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({ enum: ['running', 'completed', 'completed_with_failures'] }) status: string;
  @ApiProperty({
    description:
      'Running, but the instance doing it stopped; the next pass (POST, the sweep of any instance, or the schedule) resumes it',
  })
  interrupted: boolean;
  @ApiProperty({
    enum: ['schedule', 'api', 'resume', 'retry'],
    description: 'Started the latest pass',
  })
  trigger: string;
  @ApiProperty({ example: 1, description: 'Passes so far; each skips customers already done' })
  passes: number;
  @ApiProperty({ description: 'Start of the latest pass' }) startedAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'End of the latest pass' })
  finishedAt: string | null;
  @ApiProperty({ type: BillingRunCountsDto }) counts: BillingRunCountsDto;
  @ApiProperty({ type: [BillingRunFailureDto], description: 'First 100 by customer id' })
  failures: BillingRunFailureDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When billing.period.closed was emitted (every customer billed)',
  })
  periodClosedAt: string | null;
}
