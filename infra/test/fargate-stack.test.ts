import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, referencedId, resourcesOf, synth } from './synth';

const template = synth('prod', 'fargate');

describe('Fargate mode', () => {
  it('runs the repository image as a Fargate service behind a public load balancer', () => {
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 2 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health/live',
      Port: 80,
    });
  });

  it('has no Lambda function, stream consumer, schedule or HTTP API: jobs run in the container', () => {
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
  });

  it('gives the container the service configuration and secrets', () => {
    const [taskDefinition] = Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'));
    const [container] = taskDefinition.Properties?.ContainerDefinitions as {
      Environment: { Name: string; Value: unknown }[];
      Secrets: { Name: string; ValueFrom: unknown }[];
      PortMappings: { ContainerPort: number }[];
    }[];
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
    expect(env.NODE_ENV).toBe('production');
    expect(referencedId(env.DYNAMODB_TABLE)).toBe(logicalIdOf(template, 'AWS::DynamoDB::Table'));
    expect(referencedId(env.EVENTBRIDGE_BUS)).toBe(logicalIdOf(template, 'AWS::Events::EventBus'));
    expect(env.AWS_REGION).toEqual({ Ref: 'AWS::Region' });
    const secretIds = Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret'));
    for (const name of [
      'STRIPE_SECRET_KEY_ARN',
      'STRIPE_WEBHOOK_SECRET_ARN',
      'BILLING_API_KEYS_ARN',
    ]) {
      expect(secretIds).toContain(referencedId(env[name]));
    }
    expect(container.Secrets.map((s) => s.Name)).toEqual(['DOCUMENT_LINK_SECRET']);
    expect(secretIds).toContain(referencedId(container.Secrets[0].ValueFrom));
    expect(container.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 3000 })]);
  });

  it('alarms on the load balancer’s target 5xx rate and on a stalled outbox relay', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties!,
    );
    const rate = alarms.find((a) => (a.AlarmDescription as string).includes('answered 5xx'))!;
    const names = (rate.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]).flatMap(
      (m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []),
    );
    expect(names.sort()).toEqual(['HTTPCode_Target_5XX_Count', 'RequestCount']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OutboxRelayWarnings',
      Namespace: 'UsageBilling/prod',
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.context = "OutboxRelay") && ($.level >= 40) }',
    });
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ MetricName: 'CircuitBreakerOpened' }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ MetricName: 'BillingRunFailures' }),
    );
  });

  it('outputs the load balancer URL', () => {
    const url = template.findOutputs('ApiUrl').ApiUrl.Value;
    expect(JSON.stringify(url)).toContain('DNSName');
  });
});
