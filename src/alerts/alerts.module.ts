import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CreditsModule } from '../credits/credits.module';
import { CustomersModule } from '../customers/customers.module';
import { EventsModule } from '../events';
import { PricingModule } from '../pricing/pricing.module';
import { UsageModule } from '../usage/usage.module';
import { AlertEvaluator } from './alert-evaluator';
import { AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { AlertsSubscriber } from './alerts.subscriber';

/**
 * Usage, spend and credit balance alerts: thresholds per customer that fire
 * `billing.alert.triggered` once per window (a durable subscriber of usage and credit events,
 * found by class), and `billing.alert.resolved` when a correction takes the value back. Reads
 * charges, usage and the credit balance through those modules' exported services.
 */
@Module({
  imports: [CustomersModule, PricingModule, UsageModule, CreditsModule, EventsModule, AuditModule],
  controllers: [AlertsController],
  providers: [AlertsRepository, AlertsService, AlertEvaluator, AlertsSubscriber],
})
export class AlertsModule {}
