import {
  DynamicModule,
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/configuration';
import { DynamoDatabase } from './dynamo-database';
import { EmbeddedDynamoDb } from './embedded-dynamodb';
import { ensureTable } from './table-setup';

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly database: DynamoDatabase,
    private readonly config: ConfigService<AppConfig, true>,
    @Optional() private readonly embedded?: EmbeddedDynamoDb,
  ) {}

  async onModuleInit(): Promise<void> {
    const { createTableIfMissing } = this.config.get('dynamo', { infer: true });
    if (!createTableIfMissing) return;
    if (await ensureTable(this.database.client, this.database.table)) {
      this.logger.log(`Created table ${this.database.table}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.database.destroy();
    if (this.embedded) {
      await this.embedded.stop();
      this.logger.log('Stopped the embedded DynamoDB Local');
    }
  }
}

@Global()
@Module({})
export class DatabaseModule {
  /** `embedded` is the DynamoDB Local that `main.ts` started, stopped again on shutdown. */
  static forRoot(embedded?: EmbeddedDynamoDb): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DynamoDatabase,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AppConfig, true>) => {
            const dynamo = config.get('dynamo', { infer: true });
            return new DynamoDatabase(dynamo.table, dynamo);
          },
        },
        ...(embedded ? [{ provide: EmbeddedDynamoDb, useValue: embedded }] : []),
        DatabaseLifecycle,
      ],
      exports: [DynamoDatabase],
    };
  }
}
