import * as events from 'aws-cdk-lib/aws-events';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SERVICE_TABLE_ACTIONS } from './table-schema';

/** The secrets the service reads from Secrets Manager (never their values). */
export interface ServiceSecrets {
  stripeSecretKey: secretsmanager.ISecret;
  stripeWebhookSecret: secretsmanager.ISecret;
  apiKeys: secretsmanager.ISecret;
  /** DOCUMENT_LINK_SECRET, which the service requires in production (share-link signatures). */
  documentLinkSecret: secretsmanager.ISecret;
}

/** What every copy of the service (a Lambda function or the Fargate task) works with. */
export interface ServiceResources {
  table: dynamodb.ITable;
  bus: events.IEventBus;
  secrets: ServiceSecrets;
}

/**
 * The environment every copy of the service gets: the variables of src/config/configuration.ts
 * and the modules' *.config.ts that differ from their defaults in AWS. The three *_ARN variables
 * are read with GetSecretValue at start and on refresh (src/config/secret-sources.ts), so a rotated
 * API key or Stripe key is picked up without a redeploy. AWS_REGION: Lambda sets (and reserves)
 * it; the Fargate task sets it itself.
 */
export function serviceEnvironment({
  table,
  bus,
  secrets,
}: ServiceResources): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DYNAMODB_TABLE: table.tableName,
    EVENTBRIDGE_BUS: bus.eventBusName,
    STRIPE_SECRET_KEY_ARN: secrets.stripeSecretKey.secretArn,
    STRIPE_WEBHOOK_SECRET_ARN: secrets.stripeWebhookSecret.secretArn,
    BILLING_API_KEYS_ARN: secrets.apiKeys.secretArn,
  };
}

/**
 * Least privilege for one copy of the service: the data-plane actions its repositories use on
 * this table and its index, PutEvents on this bus, GetSecretValue on these secrets. Explicit
 * statements rather than `grantReadWriteData` (which adds Scan and more) and a secret's `grantRead`
 * (which adds DescribeSecret), so the policy lists exactly what the code calls.
 */
export function grantServiceAccess(
  grantee: iam.IGrantable,
  { table, bus }: Pick<ServiceResources, 'table' | 'bus'>,
  secretsRead: readonly secretsmanager.ISecret[],
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'BillingTable',
      actions: [...SERVICE_TABLE_ACTIONS],
      resources: [table.tableArn, `${table.tableArn}/index/*`],
    }),
  );
  bus.grantPutEventsTo(grantee);
  if (secretsRead.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BillingSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secretsRead.map((secret) => secret.secretArn),
      }),
    );
  }
}
