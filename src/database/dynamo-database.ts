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
  private readonly exactClient: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** Reads numbers as exact `NumberValue`s (DynamoDB numbers are decimals; JS numbers are not). */
  readonly exactDoc: DynamoDBDocumentClient;

  constructor(
    readonly table: string,
    config: AppConfig['dynamo'],
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 128 };
    const requestHandler = new NodeHttpHandler({
      connectionTimeout: 2000,
      requestTimeout: 5000,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new Agent(agentOptions),
    });
    const clientConfig = {
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.endpoint ? config.localCredentials : undefined,
      maxAttempts: 3,
      requestHandler,
    };
    const marshallOptions = { removeUndefinedValues: true, convertEmptyValues: false };
    this.client = new DynamoDBClient(clientConfig);
    this.doc = DynamoDBDocumentClient.from(this.client, { marshallOptions });
    // A document client stores its translation options on the wrapped client's config, so the
    // exact-number reader needs a client of its own (same connection pool).
    this.exactClient = new DynamoDBClient(clientConfig);
    this.exactDoc = DynamoDBDocumentClient.from(this.exactClient, {
      marshallOptions,
      unmarshallOptions: { wrapNumbers: true },
    });
  }

  destroy(): void {
    this.exactDoc.destroy();
    this.exactClient.destroy();
    this.doc.destroy();
    this.client.destroy();
  }
}
