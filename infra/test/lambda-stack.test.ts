import { Match } from 'aws-cdk-lib/assertions';
import { SCHEDULED_JOBS } from '../lib/jobs';
import { logicalIdOf, referencedId, resourcesOf, synth } from './synth';

const template = synth('dev', 'lambda');
const functions = resourcesOf(template, 'AWS::Lambda::Function');
const functionIdByHandler = (handler: string): string => {
  const ids = Object.entries(functions)
    .filter(([, fn]) => fn.Properties?.Handler === handler)
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe('Lambda mode', () => {
  it('creates the event bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });

  it('runs the three handlers of dist/lambda.js on Node 22 from one asset', () => {
    const handlers = Object.values(functions).map((fn) => fn.Properties?.Handler);
    expect(handlers.sort()).toEqual(['lambda.http', 'lambda.outboxStream', 'lambda.scheduled']);
    const codes = Object.values(functions).map((fn) => JSON.stringify(fn.Properties?.Code));
    expect(new Set(codes).size).toBe(1);
    for (const fn of Object.values(functions)) expect(fn.Properties?.Runtime).toBe('nodejs22.x');
  });

  it('gives every function the service configuration, secrets by ARN only', () => {
    const tableId = logicalIdOf(template, 'AWS::DynamoDB::Table');
    const busId = logicalIdOf(template, 'AWS::Events::EventBus');
    for (const fn of Object.values(functions)) {
      const variables = fn.Properties?.Environment?.Variables as Record<string, unknown>;
      expect(variables.NODE_ENV).toBe('production');
      expect(referencedId(variables.DYNAMODB_TABLE)).toBe(tableId);
      expect(referencedId(variables.EVENTBRIDGE_BUS)).toBe(busId);
      for (const name of [
        'STRIPE_SECRET_KEY_ARN',
        'STRIPE_WEBHOOK_SECRET_ARN',
        'BILLING_API_KEYS_ARN',
        'DOCUMENT_LINK_SECRET_ARN',
      ]) {
        const id = referencedId(variables[name]);
        expect(id && resourcesOf(template, 'AWS::SecretsManager::Secret')[id]).toBeDefined();
      }
      // Never the values themselves, and nothing Lambda reserves.
      for (const name of [
        'STRIPE_SECRET_KEY',
        'STRIPE_WEBHOOK_SECRET',
        'BILLING_API_KEYS',
        'AWS_REGION',
      ]) {
        expect(variables).not.toHaveProperty(name);
      }
    }
  });

  it('routes every request and the Stripe webhook to the http function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties?.RouteKey as string,
    );
    expect(routes.sort()).toEqual(['$default', 'POST /v1/webhooks/stripe']);
    const httpId = functionIdByHandler('lambda.http');
    for (const integration of Object.values(
      resourcesOf(template, 'AWS::ApiGatewayV2::Integration'),
    )) {
      expect(integration.Properties?.PayloadFormatVersion).toBe('2.0');
      expect(referencedId(integration.Properties?.IntegrationUri)).toBe(httpId);
    }
  });

  it('feeds new outbox and subscriber queue items from the stream to the outbox function, reporting partial failures', () => {
    const outboxId = functionIdByHandler('lambda.outboxStream');
    const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0].Properties!;
    expect(referencedId(mapping.FunctionName)).toBe(outboxId);
    expect(mapping.EventSourceArn).toEqual({
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table'), 'StreamArn'],
    });
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.BisectBatchOnFunctionError).toBe(true);
    expect(mapping.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(mapping.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(referencedId(mapping.DestinationConfig.OnFailure.Destination)).toBe(
      logicalIdOf(template, 'AWS::SQS::Queue'),
    );
    expect(
      mapping.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern)),
    ).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { NewImage: { type: { S: ['OutboxBatch', 'SubscriberQueueItem'] } } },
      },
    ]);
  });

  it('schedules each job with its input JSON, the monthly run on the 1st at 00:15 UTC', () => {
    const scheduledArn = { 'Fn::GetAtt': [functionIdByHandler('lambda.scheduled'), 'Arn'] };
    const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map(
      (s) => s.Properties!,
    );
    expect(
      schedules.map((s) => JSON.parse(s.Target.Input)).sort((a, b) => a.job.localeCompare(b.job)),
    ).toEqual([
      { job: 'billing-run' },
      { job: 'billing-run-sweep' },
      { job: 'credit-expiry' },
      { job: 'outbox-sweep' },
      { job: 'provider-sync' },
      { job: 'webhook-recovery' },
    ]);
    for (const schedule of schedules) {
      expect(schedule.Target.Arn).toEqual(scheduledArn);
      expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
    }
    const monthly = schedules.find((s) => JSON.parse(s.Target.Input).job === 'billing-run')!;
    expect(monthly.ScheduleExpression).toBe('cron(15 0 1 * ? *)');
    for (const job of SCHEDULED_JOBS.filter((j) => j.job !== 'billing-run')) {
      expect(job.expression).toMatch(/^rate\(\d+ minutes?\)$/);
    }
  });

  it('lets the Scheduler role invoke the scheduled function and nothing else', () => {
    const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'));
    const roleIds = new Set(schedules.map((s) => referencedId(s.Properties?.Target.RoleArn)));
    expect(roleIds.size).toBe(1);
    const [roleId] = [...roleIds];
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
      (p.Properties?.Roles as unknown[]).some((r) => referencedId(r) === roleId),
    );
    expect(policies.flatMap((p) => p.Properties?.PolicyDocument.Statement)).toEqual([
      {
        Sid: 'InvokeScheduledJobs',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionIdByHandler('lambda.scheduled'), 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
  });

  it('creates the secrets with generated placeholder values, none in the template', () => {
    const secrets = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(4);
    for (const secret of secrets) {
      expect(secret.Properties?.GenerateSecretString).toBeDefined();
      expect(secret.Properties).not.toHaveProperty('SecretString');
    }
  });

  it('alarms on the 5xx rate, outbox age, open breakers and billing-run failures', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties!,
    );
    const byDescription = (text: string) =>
      alarms.filter((a) => (a.AlarmDescription as string).includes(text));
    const rate = byDescription('HTTP requests answered 5xx');
    expect(rate).toHaveLength(1);
    const metrics = rate[0].Metrics as {
      MetricStat?: { Metric: { MetricName: string; Namespace: string } };
    }[];
    expect(
      metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort(),
    ).toEqual(['5xx', 'Count']);
    expect(byDescription('Outbox publishing lags')[0]).toMatchObject({
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
    });
    expect(byDescription('circuit breaker opened')[0]).toMatchObject({
      MetricName: 'CircuitBreakerOpened',
      Namespace: 'UsageBilling/dev',
    });
    expect(byDescription('billing run did not start')[0]).toMatchObject({
      MetricName: 'BillingRunFailures',
      Namespace: 'UsageBilling/dev',
    });
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('counts breaker and billing-run log lines of every function', () => {
    const filters = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).map(
      (f) => f.Properties!,
    );
    const patternsOf = (metric: string) =>
      filters
        .filter((f) => f.MetricTransformations[0].MetricName === metric)
        .map((f) => f.FilterPattern as string);
    expect(patternsOf('CircuitBreakerOpened')).toHaveLength(3);
    expect(patternsOf('CircuitBreakerOpened')[0]).toBe(
      '{ ($.context = "Resilience") && ($.state = "open") }',
    );
    expect(patternsOf('BillingRunFailures')[0]).toBe(
      '{ ($.level >= 50) && (($.context = "BillingRuns") || ($.context = "BillingRunScheduler")) }',
    );
  });

  it('outputs the API URL, table, bus and secret ARNs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'TableName',
        'EventBusName',
        'StripeSecretKeyArn',
        'StripeWebhookSecretArn',
        'ApiKeysSecretArn',
      ]),
    );
  });
});
