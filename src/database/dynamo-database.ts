import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AppConfig } from '../config/configuration';

/**
 * The one DynamoDB connection of the process, shared by every repository. Only repositories
 * use it; services never see DynamoDB.
 */
export class DynamoDatabase {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly table: string,
    config: AppConfig['dynamo'],
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 128 };
    this.client = new DynamoDBClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.endpoint ? config.localCredentials : undefined,
      maxAttempts: 3,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 2000,
        requestTimeout: 5000,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new Agent(agentOptions),
      }),
    });
    this.doc = DynamoDBDocumentClient.from(this.client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  destroy(): void {
    this.doc.destroy();
    this.client.destroy();
  }
}
