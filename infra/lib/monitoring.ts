import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FargateCompute } from './fargate-compute';
import type { LambdaCompute } from './lambda-compute';

export interface MonitoringProps {
  stage: string;
  alarmTopic: sns.ITopic;
  compute: { kind: 'lambda'; lambda: LambdaCompute } | { kind: 'fargate'; fargate: FargateCompute };
  tableName: string;
}

/** 5xx share of requests, in percent, once there are enough requests to mean something. */
const MIN_REQUESTS_FOR_RATE = 20;
const HTTP_5XX_PERCENT = 5;
/** Stream records older than this when the outbox function reads them: publishing lags. */
const OUTBOX_MAX_AGE = Duration.minutes(5);

/**
 * Alarms and a dashboard. The service's Prometheus metrics (/metrics) are not scraped on Lambda
 * (nor by anything this stack creates), so the signals below come from what AWS measures itself
 * and from metric filters on the service's JSON log lines (pino, via nestjs-pino: `level` is
 * pino's number, `context` the Nest logger's name, the object's fields at the top level):
 *
 * - Circuit breaker opened: `ResiliencePolicies` logs `{context: "Resilience", state: "open",
 *   dependency}` on every transition to open (the `dependency_circuit_state` gauge's log twin).
 * - Billing run failed: error-level lines of `BillingRuns` ("pass aborted") and
 *   `BillingRunScheduler` ("did not start"). A metric filter rather than the scheduled function's
 *   Lambda errors: the same lines exist in both shapes, and that function runs five jobs, so its
 *   errors do not say which failed (they get their own alarm on Lambda). Per-customer failures
 *   (warn lines with `customerId`, retried by the next pass) are on the dashboard.
 * - Outbox age: on Lambda, the outbox function's IteratorAge (how old a stream record is when
 *   it is read, i.e. how far publishing lags behind commits) plus records given up to the DLQ.
 *   In a container the relay polls the table, which has no AWS metric: its warnings
 *   (`OutboxRelay`: destination unavailable, item retried with backoff) persisting for 15 minutes
 *   stand for an outbox that is not draining.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const namespace = `UsageBilling/${props.stage}`;
    const logGroups =
      props.compute.kind === 'lambda'
        ? props.compute.lambda.logGroups
        : [props.compute.fargate.logGroup];

    const logMetric = (metricName: string, pattern: logs.IFilterPattern): cloudwatch.Metric => {
      logGroups.forEach(
        (logGroup, index) =>
          new logs.MetricFilter(this, `${metricName}Filter${index}`, {
            logGroup,
            filterPattern: pattern,
            metricNamespace: namespace,
            metricName,
            metricValue: '1',
          }),
      );
      return new cloudwatch.Metric({
        namespace,
        metricName,
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    };
    const breakerOpened = logMetric(
      'CircuitBreakerOpened',
      logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.context', '=', 'Resilience'),
        logs.FilterPattern.stringValue('$.state', '=', 'open'),
      ),
    );
    const billingRunFailures = logMetric(
      'BillingRunFailures',
      logs.FilterPattern.all(
        logs.FilterPattern.numberValue('$.level', '>=', 50),
        logs.FilterPattern.any(
          logs.FilterPattern.stringValue('$.context', '=', 'BillingRuns'),
          logs.FilterPattern.stringValue('$.context', '=', 'BillingRunScheduler'),
        ),
      ),
    );
    const billingRunCustomerFailures = logMetric(
      'BillingRunCustomerFailures',
      logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.context', '=', 'BillingRuns'),
        logs.FilterPattern.numberValue('$.level', '=', 40),
        logs.FilterPattern.exists('$.customerId'),
      ),
    );

    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      evaluationPeriods = 1,
      datapointsToAlarm = evaluationPeriods,
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
      return created;
    };

    const rate = (errors: cloudwatch.IMetric, requests: cloudwatch.IMetric) =>
      new cloudwatch.MathExpression({
        expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`,
        usingMetrics: { errors, requests },
        label: 'HTTP 5xx (% of requests)',
        period: Duration.minutes(1),
      });

    let http5xxRate: cloudwatch.MathExpression;
    let httpWidgets: cloudwatch.IWidget[];
    let outboxWidgets: cloudwatch.IWidget[];
    if (props.compute.kind === 'lambda') {
      const compute = props.compute.lambda;
      const api = compute.httpApi;
      const requests = api.metricCount({ period: Duration.minutes(1), statistic: 'Sum' });
      const errors = api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' });
      http5xxRate = rate(errors, requests);
      const iteratorAge = compute.outboxFunction.metric('IteratorAge', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      });
      alarm(
        'OutboxAge',
        `Outbox publishing lags: stream records are more than ${OUTBOX_MAX_AGE.toMinutes()} minutes old when read`,
        iteratorAge,
        OUTBOX_MAX_AGE.toMilliseconds(),
        5,
        3,
      );
      const deadLetters = compute.outboxDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      });
      alarm(
        'OutboxStreamFailures',
        'Outbox stream records failed every retry (their items wait for the outbox-sweep job): see the queue',
        deadLetters,
        1,
      );
      const jobErrors = compute.scheduledFunction.metricErrors({ period: Duration.minutes(5) });
      alarm(
        'ScheduledJobErrors',
        'A scheduled job (see the function logs for which) failed',
        jobErrors,
        1,
      );
      httpWidgets = [
        new cloudwatch.GraphWidget({ title: 'HTTP requests and 5xx', left: [requests, errors] }),
        new cloudwatch.GraphWidget({
          title: 'Lambda errors',
          left: [compute.httpFunction, compute.scheduledFunction, compute.outboxFunction].map(
            (fn) => fn.metricErrors({ period: Duration.minutes(5) }),
          ),
        }),
        new cloudwatch.GraphWidget({
          title: 'Lambda duration p99',
          left: [compute.httpFunction, compute.scheduledFunction, compute.outboxFunction].map(
            (fn) => fn.metricDuration({ statistic: 'p99', period: Duration.minutes(5) }),
          ),
        }),
      ];
      outboxWidgets = [
        new cloudwatch.GraphWidget({
          title: 'Outbox age (stream IteratorAge, ms)',
          left: [iteratorAge],
        }),
        new cloudwatch.GraphWidget({ title: 'Outbox records given up (DLQ)', left: [deadLetters] }),
      ];
    } else {
      const lb = props.compute.fargate.service.loadBalancer;
      const requests = lb.metrics.requestCount({ period: Duration.minutes(1), statistic: 'Sum' });
      const errors = lb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period: Duration.minutes(1),
        statistic: 'Sum',
      });
      http5xxRate = rate(errors, requests);
      const relayWarnings = logMetric(
        'OutboxRelayWarnings',
        logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.context', '=', 'OutboxRelay'),
          logs.FilterPattern.numberValue('$.level', '>=', 40),
        ),
      );
      alarm(
        'OutboxAge',
        'The outbox relay has been failing to publish for 15 minutes: events wait in the outbox',
        relayWarnings,
        1,
        3,
      );
      const service = props.compute.fargate.service.service;
      httpWidgets = [
        new cloudwatch.GraphWidget({
          title: 'HTTP requests and target 5xx',
          left: [requests, errors],
        }),
        new cloudwatch.GraphWidget({
          title: 'Service CPU and memory (%)',
          left: [service.metricCpuUtilization(), service.metricMemoryUtilization()],
        }),
      ];
      outboxWidgets = [
        new cloudwatch.GraphWidget({ title: 'Outbox relay warnings', left: [relayWarnings] }),
      ];
    }

    alarm(
      'Http5xxRate',
      `More than ${HTTP_5XX_PERCENT}% of HTTP requests answered 5xx (3 of 5 minutes)`,
      http5xxRate,
      HTTP_5XX_PERCENT,
      5,
      3,
    );
    alarm(
      'CircuitBreakerOpen',
      'A dependency circuit breaker opened (Stripe or EventBridge failing): see the logs for `dependency`',
      breakerOpened,
      1,
    );
    alarm(
      'BillingRunFailures',
      'A billing run did not start or a pass aborted: see the logs of BillingRuns / BillingRunScheduler',
      billingRunFailures,
      1,
    );

    const tableMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.tableName },
        statistic,
        period: Duration.minutes(5),
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'HTTP 5xx rate (%)', left: [http5xxRate] }),
          ...httpWidgets,
        ],
        [
          ...outboxWidgets,
          new cloudwatch.GraphWidget({ title: 'Circuit breakers opened', left: [breakerOpened] }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Billing runs: failures and failed customers',
            left: [billingRunFailures, billingRunCustomerFailures],
          }),
          new cloudwatch.GraphWidget({
            title: 'DynamoDB consumed capacity',
            left: [
              tableMetric('ConsumedWriteCapacityUnits', 'Sum'),
              tableMetric('ConsumedReadCapacityUnits', 'Sum'),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'DynamoDB throttled requests and system errors',
            left: [tableMetric('ThrottledRequests', 'Sum'), tableMetric('SystemErrors', 'Sum')],
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
