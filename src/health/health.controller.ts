import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/auth/auth.decorators';
import { DependencyBreakersHealthIndicator } from '../common/resilience';
import { DynamoHealthIndicator } from './dynamo.health';
import { EventRelayHealthIndicator } from './event-relay.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dynamo: DynamoHealthIndicator,
    private readonly breakers: DependencyBreakersHealthIndicator,
    private readonly relay: EventRelayHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (no I/O)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: 503 only when DynamoDB is unreachable; dependency breakers as details',
  })
  ready() {
    return this.health.check([
      () => this.dynamo.check(),
      () => this.breakers.check(),
      () => this.relay.check(),
    ]);
  }
}
