import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DynamoDatabase } from '../database/dynamo-database';

@Injectable()
export class DynamoHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly db: DynamoDatabase,
  ) {}

  async check(key = 'dynamodb') {
    const indicator = this.indicators.check(key);
    try {
      const { Table } = await this.db.client.send(
        new DescribeTableCommand({ TableName: this.db.table }),
        { abortSignal: AbortSignal.timeout(2000) },
      );
      return indicator.up({ table: this.db.table, tableStatus: Table?.TableStatus });
    } catch (error) {
      return indicator.down({ table: this.db.table, message: (error as Error).message });
    }
  }
}
