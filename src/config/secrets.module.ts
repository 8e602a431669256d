import {
  Global,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from './configuration';
import { SecretsRefresher } from './secrets-refresher';

/** Starts the refresh timer with the application (unless on Lambda) and stops it at shutdown. */
@Injectable()
class SecretsRefreshLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly refresher: SecretsRefresher,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.get('secretsManager', { infer: true }).refreshTimer) this.refresher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.refresher.stop();
  }
}

/**
 * The secrets read from AWS Secrets Manager, kept current (see SecretsRefresher). Global: the
 * API-key guard takes its keys from it, and the Lambda handler calls `refreshIfStale()`.
 */
@Global()
@Module({
  providers: [
    {
      provide: SecretsRefresher,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const all = config.get('secretsManager', { infer: true });
        return new SecretsRefresher(
          { ...all, localCredentials: config.get('dynamo', { infer: true }).localCredentials },
          {
            auth: config.get('auth', { infer: true }),
            stripe: config.get('stripe', { infer: true }),
          },
          config.get('secrets', { infer: true }),
        );
      },
    },
    SecretsRefreshLifecycle,
  ],
  exports: [SecretsRefresher],
})
export class SecretsModule {}
