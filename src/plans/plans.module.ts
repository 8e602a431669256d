import { Module } from '@nestjs/common';
import { PlanCatalogueLoader } from './plan-catalogue.loader';
import { PlansController } from './plans.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

@Module({
  controllers: [PlansController],
  providers: [PlansRepository, PlansService, PlanCatalogueLoader],
  exports: [PlansService],
})
export class PlansModule {}
