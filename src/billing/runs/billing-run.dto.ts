import { ApiProperty } from '@nestjs/swagger';
import { IsPeriod } from '../../common/http/validators';

export class StartBillingRunDto {
  @ApiProperty({ example: '2026-10', description: 'YYYY-MM; a period that has ended' })
  @IsPeriod()
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
  @ApiProperty({ enum: ['running', 'completed', 'completed_with_failures'], example: 'running' })
  status: string;
  @ApiProperty({
    example: false,
    description:
      'Running, but the instance doing it stopped; the next pass (POST, the sweep of any instance, or the schedule) resumes it',
  })
  interrupted: boolean;
  @ApiProperty({
    enum: ['schedule', 'api', 'resume', 'retry'],
    example: 'api',
    description: 'Started the latest pass',
  })
  trigger: string;
  @ApiProperty({ example: 1, description: 'Passes so far; each skips customers already done' })
  passes: number;
  @ApiProperty({ example: '2026-11-01T02:00:00.000Z', description: 'Start of the latest pass' })
  startedAt: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'End of the latest pass',
  })
  finishedAt: string | null;
  @ApiProperty({ type: BillingRunCountsDto }) counts: BillingRunCountsDto;
  @ApiProperty({ type: [BillingRunFailureDto], description: 'First 100 by customer id' })
  failures: BillingRunFailureDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'When billing.period.closed was emitted (every customer billed)',
  })
  periodClosedAt: string | null;
}
