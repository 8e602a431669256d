import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { AppCacheModule } from './common/cache/cache.module';
import { HttpCacheModule } from './common/cache/http-cache.module';
import { ResilienceModule } from './common/resilience';
import { CommonModule } from './common/common.module';
import { AppLoggerModule } from './common/logging';
import type { AppConfig } from './config/configuration';
import { SecretsModule } from './config/secrets.module';
import { CreditNotesModule } from './credit-notes/credit-notes.module';
import { CreditsModule } from './credits/credits.module';
import { CustomersModule } from './customers/customers.module';
import { AdjustmentsModule } from './adjustments/adjustments.module';
import { AlertsModule } from './alerts/alerts.module';
import { ThresholdBillingModule } from './threshold-billing/threshold-billing.module';
import { AuditModule } from './audit/audit.module';
import { BillingModule } from './billing/billing.module';
import { DatabaseModule } from './database/database.module';
import { DocumentsModule } from './documents/documents.module';
import type { EmbeddedDynamoDb } from './database/embedded-dynamodb';
import { EventsModule } from './events';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './common/metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PlansModule } from './plans/plans.module';
import { PricingModule } from './pricing/pricing.module';
import { ReportsModule } from './reports/reports.module';
import { PaymentsModule } from './stripe';
import { UsageModule } from './usage/usage.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  /** The DynamoDB Local that `main.ts` started; stopped when the app shuts down. */
  embeddedStore?: EmbeddedDynamoDb;
}

@Module({})
export class AppModule {
  /** `config` is the validated configuration (see `loadConfig`); nothing reads the env after. */
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        SecretsModule,
        ScheduleModule.forRoot(),
        AppLoggerModule,
        AppCacheModule,
        HttpCacheModule,
        CommonModule,
        DatabaseModule.forRoot(options.embeddedStore),
        MetricsModule,
        ResilienceModule,
        PaymentsModule,
        EventsModule,
        JobsModule,
        AuditModule,
        HealthModule,
        PlansModule,
        CustomersModule,
        UsageModule,
        PricingModule,
        BillingModule,
        ReportsModule,
        WebhooksModule,
        NotificationsModule,
        CreditsModule,
        CreditNotesModule,
        AlertsModule,
        ThresholdBillingModule,
        AdjustmentsModule,
        DocumentsModule,
      ],
    };
  }
}
