import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/openapi';
import { DependencyBreakersHealthIndicator } from '../common/resilience';
import { DynamoHealthIndicator } from './dynamo.health';
import { EventRelayHealthIndicator } from './event-relay.health';

const indicators = (example: Record<string, unknown>): SchemaObject => ({
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'], example: 'up' } },
    additionalProperties: true,
  },
  example,
});

/** Terminus's answer when every check passed. */
const HEALTHY: SchemaObject = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'], example: 'ok' },
    info: indicators({ dynamodb: { status: 'up', table: 'billing', tableStatus: 'ACTIVE' } }),
    error: indicators({}),
    details: indicators({ dynamodb: { status: 'up', table: 'billing', tableStatus: 'ACTIVE' } }),
  },
};

/** Liveness runs no check: the answer terminus would build from an empty list, built once. */
const ALIVE = Object.freeze({ status: 'ok', info: {}, error: {}, details: {} });

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
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process answers (no I/O)' })
  @ApiOkResponse({
    description: 'The process is alive',
    schema: { ...HEALTHY, example: { status: 'ok', info: {}, error: {}, details: {} } },
  })
  live() {
    return ALIVE;
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness: 503 only when DynamoDB is unreachable; dependency breakers as details',
  })
  @ApiOkResponse({ description: 'Ready to serve', schema: HEALTHY })
  @ApiErrors({ 503: ['SERVICE_UNAVAILABLE'] })
  ready() {
    return this.health.check([
      () => this.dynamo.check(),
      () => this.breakers.check(),
      () => this.relay.check(),
      () => this.relay.checkSubscribers(),
    ]);
  }
}
