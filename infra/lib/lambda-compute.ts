import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCHEDULED_JOBS } from './jobs';
import { grantServiceAccess, type ServiceResources, serviceEnvironment } from './service-resources';
import { STREAM_ITEM_TYPES } from './table-schema';

export interface LambdaComputeProps {
  resources: ServiceResources;
  /** A directory whose lambda.js exports http, scheduled and outboxStream. */
  assetPath: string;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The Lambda shape: HTTP API → http, DynamoDB stream → outboxStream, Scheduler → scheduled. */
export class LambdaCompute extends Construct {
  readonly httpFunction: lambda.Function;
  readonly scheduledFunction: lambda.Function;
  readonly outboxFunction: lambda.Function;
  readonly httpApi: apigwv2.HttpApi;
  readonly outboxDeadLetterQueue: sqs.Queue;
  readonly logGroups: logs.ILogGroup[];

  constructor(scope: Construct, id: string, props: LambdaComputeProps) {
    super(scope, id);
    const { resources } = props;
    const code = lambda.Code.fromAsset(props.assetPath);
    const secrets = resources.secrets;
    const environment = {
      ...serviceEnvironment(resources),
      // Read from Secrets Manager at start like the three above (src/config/secret-sources.ts);
      // Lambda has no way to inject a secret's value as a variable without exposing it.
      DOCUMENT_LINK_SECRET_ARN: secrets.documentLinkSecret.secretArn,
    };
    const secretsRead = [
      secrets.stripeSecretKey,
      secrets.stripeWebhookSecret,
      secrets.apiKeys,
      secrets.documentLinkSecret,
    ];

    const make = (name: string, handler: string, timeout: Duration, description: string) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
      });
      const fn = new lambda.Function(this, name, {
        description,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.X86_64,
        code,
        handler,
        memorySize: 1024,
        timeout,
        environment,
        logGroup,
      });
      grantServiceAccess(fn, resources, secretsRead);
      return { fn, logGroup };
    };

    const http = make(
      'HttpFunction',
      'lambda.http',
      // API Gateway gives up after 30 s.
      Duration.seconds(29),
      'Billing HTTP API (API Gateway HTTP API, payload v2)',
    );
    const scheduled = make(
      'ScheduledFunction',
      'lambda.scheduled',
      // A monthly billing run of many customers is the longest job; the run's lease and sweep
      // resume it if it is cut short.
      Duration.minutes(15),
      'Billing background jobs started by EventBridge Scheduler ({"job": name})',
    );
    const outbox = make(
      'OutboxFunction',
      'lambda.outboxStream',
      Duration.minutes(1),
      'Publishes new outbox items from the table stream to EventBridge',
    );
    this.httpFunction = http.fn;
    this.scheduledFunction = scheduled.fn;
    this.outboxFunction = outbox.fn;
    this.logGroups = [http.logGroup, scheduled.logGroup, outbox.logGroup];

    // HTTP: every route to the Nest app; the webhook route is explicit so it stays reachable
    // (and visible in the API's routes) whatever the default route becomes.
    const integration = new HttpLambdaIntegration('HttpIntegration', this.httpFunction, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Usage billing API',
      defaultIntegration: integration,
    });
    this.httpApi.addRoutes({
      path: '/v1/webhooks/stripe',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('StripeWebhookIntegration', this.httpFunction, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });

    // Outbox: new outbox and subscriber queue items only. A record that keeps failing goes to
    // the queue after the retries; its item stays in the table and the outbox-sweep job
    // delivers it later.
    this.outboxDeadLetterQueue = new sqs.Queue(this, 'OutboxStreamFailures', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    this.outboxFunction.addEventSource(
      new DynamoEventSource(resources.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.outboxDeadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { type: { S: [...STREAM_ITEM_TYPES] } } },
          }),
        ],
      }),
    );

    // Scheduler: one role that may invoke the scheduled function and nothing else.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invokes the billing scheduled-jobs function',
    });
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeScheduledJobs',
        actions: ['lambda:InvokeFunction'],
        resources: [this.scheduledFunction.functionArn],
      }),
    );
    for (const job of SCHEDULED_JOBS) {
      new scheduler.CfnSchedule(this, `Schedule-${job.job}`, {
        description: job.description,
        scheduleExpression: job.expression,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.scheduledFunction.functionArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({ job: job.job }),
          retryPolicy: { maximumRetryAttempts: job.retryAttempts },
        },
      });
    }
  }
}
