import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CachedResource } from '../common/cache/cached-resource.decorator';
import { HttpCacheInterceptor } from '../common/cache/http-cache.interceptor';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { PlanListResponse, PlanResponse, PlanVersionQuery } from './plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('v1/plans')
@UseInterceptors(HttpCacheInterceptor)
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({ summary: 'List plans (the version of each in force now)' })
  @ApiOkResponse({ type: PlanListResponse })
  @CachedResource('plans')
  async list(): Promise<PlanListResponse> {
    return { data: (await this.plans.listCurrent()).map((v) => PlanResponse.from(v)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a plan: the version in force now, or ?version=N' })
  @ApiOkResponse({ type: PlanResponse })
  @CachedResource('plan', 'id')
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
