import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantServiceAccess, type ServiceResources, serviceEnvironment } from './service-resources';

export interface FargateComputeProps {
  resources: ServiceResources;
  /** The repository root: its Dockerfile builds the image (at deploy time, not at synth). */
  dockerContext: string;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  desiredCount: number;
}

/**
 * The container shape: the repository's Dockerfile on ECS Fargate behind an ALB. The service runs
 * its background jobs in-process (billing-run cron, outbox relay, sweeps), so there is no Lambda
 * and no schedule; the table's stream exists all the same and is simply not consumed.
 */
export class FargateCompute extends Construct {
  readonly service: ecsPatterns.ApplicationLoadBalancedFargateService;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FargateComputeProps) {
    super(scope, id);
    const { resources } = props;
    const { secrets } = resources;

    // Public subnets only: no NAT gateway to pay for. Tasks get a public address for the AWS APIs
    // and Stripe, and their security group admits only the load balancer. DynamoDB goes through
    // a free gateway endpoint.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.logGroup = new logs.LogGroup(this, 'ServiceLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.service = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster,
      cpu: 1024,
      memoryLimitMiB: 2048,
      desiredCount: props.desiredCount,
      assignPublicIp: true,
      taskSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      publicLoadBalancer: true,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskImageOptions: {
        // Staging only copies and hashes the context; the image is built by `cdk deploy`.
        image: ecs.ContainerImage.fromAsset(props.dockerContext, { exclude: ['infra'] }),
        containerPort: 3000,
        environment: {
          ...serviceEnvironment(resources),
          AWS_REGION: Stack.of(this).region,
        },
        // Injected by ECS at task start (read with the execution role). The Stripe keys and API
        // keys are not: the service reads them by ARN and refreshes them, so a rotation needs no
        // new task.
        secrets: {
          DOCUMENT_LINK_SECRET: ecs.Secret.fromSecretsManager(secrets.documentLinkSecret),
        },
        logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'billing', logGroup: this.logGroup }),
      },
    });
    this.service.targetGroup.configureHealthCheck({
      path: '/health/live',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
    });
    // Long enough for a request in flight to finish (HTTP_REQUEST_TIMEOUT_MS is 30 s).
    this.service.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '35');

    grantServiceAccess(this.service.taskDefinition.taskRole, resources, [
      secrets.stripeSecretKey,
      secrets.stripeWebhookSecret,
      secrets.apiKeys,
    ]);
  }
}
