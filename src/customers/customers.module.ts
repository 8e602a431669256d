import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PlansModule } from '../plans/plans.module';
import { EventsModule } from '../events';
import { PaymentsModule } from '../stripe';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { ProviderCustomerLinksRepository } from './provider-customer-links.repository';
import { ProviderSync, ProviderSyncJob } from './provider-sync.service';

@Module({
  imports: [PlansModule, PaymentsModule, EventsModule, AuditModule],
  controllers: [CustomersController],
  providers: [
    CustomersRepository,
    ProviderCustomerLinksRepository,
    CustomersService,
    ProviderSync,
    ProviderSyncJob,
  ],
  exports: [CustomersService, ProviderSync],
})
export class CustomersModule {}
