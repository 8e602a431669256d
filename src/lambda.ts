import serverlessExpress from '@codegenie/serverless-express';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { ServerResponse } from 'node:http';
import { createApp } from './app.factory';
import type { WithPlatformId } from './common/logging';
import type { AppConfig } from './config/configuration';
import { loadConfigWithSecrets } from './config/secrets-manager';
import { SecretsRefresher } from './config/secrets-refresher';
import { QueueItemDelivery } from './events';
import { JobRegistry } from './jobs/job-registry';
import { newQueueItemKey, recordId } from './serverless/stream-records';

/**
 * AWS Lambda entry points (built to dist/lambda.js): `http` (API Gateway HTTP API, payload
 * v2), `scheduled` (EventBridge Scheduler: `{"job": "<name>", ...params}`) and `outboxStream`
 * (the table's DynamoDB stream). One Nest application per container, created on the first
 * invocation with the production wiring (`createApp`) and reused; `RUN_MODE=lambda`, so it
 * starts no timers or polling loops: background work runs only inside invocations.
 */

// The AWS SDK warns about Node versions it will drop; engines in package.json already says which.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Responses API Gateway must receive base64-encoded (everything else is text). */
const BINARY_CONTENT_TYPES = ['application/pdf', 'application/octet-stream', 'image/*'];
/** Stream records delivered at the same time (each is a claim, a publish and a delete). */
const STREAM_CONCURRENCY = 16;

/**
 * The configuration of a Lambda container: the environment, in Lambda mode, never an embedded
 * DynamoDB Local (`DYNAMODB_ENDPOINT`, else AWS's endpoint). Outside production the table is
 * created when missing, as `npm start` does (`createTableIfMissing`). Values named by `*_ARN` /
 * `BILLING_SECRETS_ARN` are read from Secrets Manager first.
 */
export async function lambdaConfig(): Promise<AppConfig> {
  const config = await loadConfigWithSecrets({ ...process.env, RUN_MODE: 'lambda' });
  return { ...config, dynamo: { ...config.dynamo, embedded: false } };
}

let application: Promise<NestFastifyApplication> | undefined;

/**
 * This container's application, created (and initialized, never listening) on first use. No
 * timer runs between invocations, so secrets from Secrets Manager older than
 * SECRETS_REFRESH_SECONDS are read again here, at the start of an invocation (a failed read
 * keeps the current values).
 */
export async function lambdaApp(): Promise<NestFastifyApplication> {
  application ??= (async () => {
    const app = await createApp(await lambdaConfig());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  })().catch((error: unknown) => {
    application = undefined; // the next invocation tries again
    throw error;
  });
  const app = await application;
  await app.get(SecretsRefresher).refreshIfStale();
  return app;
}

/** Closes this container's application (tests, benches; Lambda simply freezes the container). */
export async function closeLambdaApp(): Promise<void> {
  const app = application;
  application = undefined;
  if (app) await (await app.catch(() => undefined))?.close();
}

/**
 * API Gateway HTTP API (payload v2) through @codegenie/serverless-express: the event becomes a
 * Node request handed to Fastify's router (body as the exact bytes sent, base64 decoded, so the
 * Stripe signature still verifies against `req.rawBody`), and the response an API Gateway
 * result. The request id is API Gateway's `requestContext.requestId`.
 */
export async function http(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  const fastify = (await lambdaApp()).getHttpAdapter().getInstance();
  const platformRequestId = event.requestContext?.requestId;
  const handler = serverlessExpress({
    app: (req: WithPlatformId, res: ServerResponse) => fastify.routing(req, res),
    eventSourceName: 'AWS_API_GATEWAY_V2',
    binarySettings: { contentTypes: BINARY_CONTENT_TYPES },
    respondWithErrors: false,
    framework: {
      sendRequest: ({
        request,
        response,
      }: {
        request: WithPlatformId;
        response: ServerResponse;
      }) => {
        request.platformRequestId = platformRequestId;
        fastify.routing(request, response);
      },
    },
  });
  return (await handler(event, context, () => undefined)) as APIGatewayProxyStructuredResultV2;
}

/** An EventBridge Scheduler input (`{"job": "billing-run", "period": "2026-11"}`). */
export type ScheduledJobEvent = { job?: unknown } & Record<string, unknown>;

/**
 * Runs the job the event names with the event's other fields as its parameters and returns
 * its result. An unknown job (or a failing one) throws, so Lambda reports the failure. An
 * EventBridge rule's event (the input under `detail`) is accepted too.
 */
export async function scheduled(event: ScheduledJobEvent): Promise<unknown> {
  const input = isJobInput(event?.detail) ? event.detail : event;
  const { job, ...params } = input ?? {};
  const jobs = (await lambdaApp()).get(JobRegistry);
  return jobs.run(job, params);
}

const isJobInput = (value: unknown): value is ScheduledJobEvent =>
  typeof value === 'object' && value !== null && 'job' in value;

/**
 * The table's DynamoDB stream: every new outbox item is published (claim, publish, delete:
 * the relay's exactly-once rules) and fanned out to the subscriber queues; every new subscriber
 * queue item is delivered to its subscriber. No polling. Other records succeed untouched.
 * Records whose item is still pending (EventBridge down, entries refused, a subscriber failing)
 * are reported in `batchItemFailures`, so only they are retried; the `outbox-sweep` job, on a
 * schedule, picks up what the stream gives up on.
 */
export async function outboxStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const records = (event.Records ?? []).filter((r) => newQueueItemKey(r) !== undefined);
  if (records.length === 0) return { batchItemFailures: [] };
  const delivery = (await lambdaApp()).get(QueueItemDelivery);
  const logger = new Logger('OutboxStream');
  const failed = new Set<DynamoDBRecord>();
  const deliver = async (record: DynamoDBRecord) => {
    try {
      if ((await delivery.deliver(newQueueItemKey(record)!)) === 'pending') failed.add(record);
    } catch (error) {
      logger.warn({ err: error, record: recordId(record) }, 'Stream record not delivered');
      failed.add(record);
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < records.length) await deliver(records[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(STREAM_CONCURRENCY, records.length) }, worker));
  return {
    batchItemFailures: records
      .filter((r) => failed.has(r))
      .map((r) => ({ itemIdentifier: recordId(r) })),
  };
}
