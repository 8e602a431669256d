import { Body, Controller, Get, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ValidationFailed } from '../common/errors/domain-error';
import { CachedResource } from '../common/cache/cached-resource.decorator';
import { plansResponseKey, planResponseKey } from './plan.cache-keys';
import { HttpCacheInterceptor } from '../common/cache/http-cache.interceptor';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiErrors } from '../common/openapi';
import { parseInstant } from '../common/time/instant';
import {
  PlanDocumentDto,
  PlanListResponse,
  PlanResponse,
  PlanVersionDocumentDto,
  PlanVersionQuery,
} from './plan.dto';
import { checkPlanDocument, PlansService } from './plans.service';

@ApiTags('plans')
@Controller('v1/plans')
@UseInterceptors(HttpCacheInterceptor)
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({
    operationId: 'listPlans',
    summary: 'List plans (the version of each in force now)',
  })
  @ApiOkResponse({ type: PlanListResponse, description: 'Every plan' })
  @CachedResource(plansResponseKey)
  async list(): Promise<PlanListResponse> {
    return { data: (await this.plans.listCurrent()).map((v) => PlanResponse.from(v)) };
  }

  @Post()
  @ApiOperation({
    operationId: 'createPlan',
    summary: 'Create a plan (version 1, in force now); 409 when the id exists',
  })
  @ApiBody({ type: PlanDocumentDto })
  @ApiCreatedResponse({ type: PlanResponse, description: 'Version 1 of the new plan' })
  @ApiErrors({ 400: ['INVALID_PLAN', 'UNKNOWN_CURRENCY'], 409: ['PLAN_EXISTS'] })
  async create(@Body() body: Record<string, unknown>): Promise<PlanResponse> {
    return PlanResponse.from(await this.plans.create(checkPlanDocument(body)));
  }

  @Put(':id')
  @ApiOperation({
    operationId: 'addPlanVersion',
    summary: 'Add a version of a plan, in force now or from a future effectiveFrom',
    description: 'Earlier versions are kept and keep pricing the usage of their time.',
  })
  @ApiBody({ type: PlanVersionDocumentDto })
  @ApiOkResponse({ type: PlanResponse, description: 'The new version' })
  @ApiErrors({
    400: ['INVALID_PLAN', 'UNKNOWN_CURRENCY'],
    404: ['PLAN_NOT_FOUND'],
    409: ['CONCURRENT_MODIFICATION'],
    422: ['PLAN_CURRENCY_CHANGE'],
  })
  async addVersion(
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: Record<string, unknown>,
  ): Promise<PlanResponse> {
    const { effectiveFrom, ...document } = body;
    const start = parseEffectiveFrom(effectiveFrom);
    if (document.id !== undefined && document.id !== id) {
      throw new ValidationFailed([{ field: 'id', messages: [`id must be "${id}" or omitted`] }]);
    }
    const plan = checkPlanDocument({ ...document, id });
    return PlanResponse.from(await this.plans.addVersion(plan, start));
  }

  @Get(':id/versions')
  @ApiOperation({
    operationId: 'listPlanVersions',
    summary: 'Every version of a plan, oldest first',
  })
  @ApiOkResponse({ type: PlanListResponse, description: 'The versions, oldest first' })
  @ApiErrors({ 404: ['PLAN_NOT_FOUND'] })
  async versions(@Param('id', ResourceIdPipe) id: string): Promise<PlanListResponse> {
    return { data: (await this.plans.listVersions(id)).map((v) => PlanResponse.from(v)) };
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getPlan',
    summary: 'Get a plan: the version in force now, or ?version=N',
  })
  @ApiOkResponse({ type: PlanResponse, description: 'The plan version' })
  @ApiErrors({ 404: ['PLAN_NOT_FOUND'] })
  @CachedResource(planResponseKey, 'id')
  async get(
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: PlanVersionQuery,
  ): Promise<PlanResponse> {
    const version =
      query.version === undefined
        ? await this.plans.getCurrent(id)
        : await this.plans.getVersion(id, query.version);
    return PlanResponse.from(version);
  }
}

/** An ISO-8601 instant with an explicit zone (the service refuses one in the past). */
function parseEffectiveFrom(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  return parseInstant(value, 'effectiveFrom', 'date-time');
}
