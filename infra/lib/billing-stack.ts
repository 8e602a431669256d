import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { FargateCompute } from './fargate-compute';
import { LambdaCompute } from './lambda-compute';
import { Monitoring } from './monitoring';
import { REPO_ROOT } from './service-asset';
import type { ServiceResources } from './service-resources';
import {
  GSI1_NAME,
  GSI1_PARTITION_KEY,
  GSI1_SORT_KEY,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from './table-schema';

export type ComputeKind = 'lambda' | 'fargate';
export const COMPUTE_KINDS: readonly ComputeKind[] = ['lambda', 'fargate'];

export interface BillingStackProps extends StackProps {
  /** `prod` turns on deletion protection and keeps data on stack deletion. */
  stage: string;
  compute: ComputeKind;
  /** Directory of the Lambda code (see service-asset.ts); used in lambda mode. */
  lambdaAssetPath: string;
  /** The Docker build context for fargate mode; the repository root by default. */
  dockerContext?: string;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string;
  /**
   * Fargate tasks; 2 in prod, 1 elsewhere by default. 0 for the very first deploy: the tasks
   * cannot start before the secrets hold real values (README "Deploying to AWS").
   */
  desiredCount?: number;
}

/**
 * Everything the service needs in one AWS account: its table, its event bus, its secrets, the
 * compute (Lambda functions with an HTTP API, a stream consumer and schedules; or a Fargate
 * service behind a load balancer), alarms and a dashboard.
 */
export class BillingStack extends Stack {
  readonly table: dynamodb.Table;
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: BillingStackProps) {
    super(scope, id, props);
    const production = props.stage === 'prod';
    const dataRemoval = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = production
      ? logs.RetentionDays.THREE_MONTHS
      : logs.RetentionDays.TWO_WEEKS;

    // The table exactly as src/database/table-definition.ts creates it (test/table-drift.test.ts),
    // plus what only production needs: recovery, a stream for the outbox, deletion protection.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The outbox consumer needs only the inserted item.
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      deletionProtection: production,
      removalPolicy: dataRemoval,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1_NAME,
      partitionKey: { name: GSI1_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: GSI1_SORT_KEY, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.bus = new events.EventBus(this, 'EventBus', {
      description: `Billing events (source augint.billing), stage ${props.stage}`,
    });

    // Placeholders only: the real values are put with `aws secretsmanager put-secret-value`
    // (infra/README.md). Until then the service refuses to start (API keys are not in the
    // name:scope:key form) rather than run with values nobody chose.
    const placeholder = (id: string, description: string) =>
      new secretsmanager.Secret(this, id, {
        description,
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        removalPolicy: dataRemoval,
      });
    const resources: ServiceResources = {
      table: this.table,
      bus: this.bus,
      secrets: {
        stripeSecretKey: placeholder(
          'StripeSecretKey',
          'Stripe secret API key (sk_live_… / sk_test_…)',
        ),
        stripeWebhookSecret: placeholder(
          'StripeWebhookSecret',
          'Stripe webhook signing secret (whsec_…) of the endpoint /v1/webhooks/stripe',
        ),
        apiKeys: placeholder(
          'ApiKeys',
          'BILLING_API_KEYS: name:scope:key entries, comma-separated',
        ),
        // A signing key nobody has to know: generated for real, long enough for the service.
        documentLinkSecret: new secretsmanager.Secret(this, 'DocumentLinkSecret', {
          description: 'DOCUMENT_LINK_SECRET: signs document share links (generated)',
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
          removalPolicy: dataRemoval,
        }),
      },
    };

    const alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Usage billing alarms (${props.stage})`,
      enforceSSL: true,
    });
    if (props.alarmEmail)
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    let apiUrl: string;
    let monitoringCompute: ConstructorParameters<typeof Monitoring>[2]['compute'];
    if (props.compute === 'lambda') {
      const compute = new LambdaCompute(this, 'Lambda', {
        resources,
        assetPath: props.lambdaAssetPath,
        logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      apiUrl = compute.httpApi.apiEndpoint;
      monitoringCompute = { kind: 'lambda', lambda: compute };
    } else {
      const compute = new FargateCompute(this, 'Fargate', {
        resources,
        dockerContext: props.dockerContext ?? REPO_ROOT,
        logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
        desiredCount: props.desiredCount ?? (production ? 2 : 1),
      });
      apiUrl = `http://${compute.service.loadBalancer.loadBalancerDnsName}`;
      monitoringCompute = { kind: 'fargate', fargate: compute };
    }

    new Monitoring(this, 'Monitoring', {
      stage: props.stage,
      alarmTopic,
      compute: monitoringCompute,
      tableName: this.table.tableName,
    });

    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'Base URL of the billing API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'StripeSecretKeyArn', {
      value: resources.secrets.stripeSecretKey.secretArn,
    });
    new CfnOutput(this, 'StripeWebhookSecretArn', {
      value: resources.secrets.stripeWebhookSecret.secretArn,
    });
    new CfnOutput(this, 'ApiKeysSecretArn', { value: resources.secrets.apiKeys.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
  }
}
