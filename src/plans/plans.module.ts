import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PlanCatalogueLoader } from './plan-catalogue.loader';
import { PlansController } from './plans.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
// The module's configuration: defined on import, validated at start with every other fragment.
import './plans.config';

@Module({
  imports: [AuditModule],
  controllers: [PlansController],
  providers: [PlansRepository, PlansService, PlanCatalogueLoader],
  exports: [PlansService],
})
export class PlansModule {}
