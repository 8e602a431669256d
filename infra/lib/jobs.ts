/**
 * The background jobs the service runs in-process in container mode, and the EventBridge
 * Scheduler schedules that run them on Lambda (`{"job": name}` sent to the `scheduled` handler).
 * Rates follow the in-process loops, rounded up to the Scheduler's one-minute floor where the
 * loop is faster; each run does all the work that is due, so a slower rate delays work, it never
 * loses it.
 */
export interface ScheduledJob {
  /** The `job` field of the handler's input. */
  job: string;
  /** EventBridge Scheduler expression, evaluated in UTC. */
  expression: string;
  /** What it does and why this rate. */
  description: string;
  /** Retries of a failed invocation: the frequent jobs simply run again at the next tick. */
  retryAttempts: number;
}

export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  {
    job: 'billing-run',
    // In-process default BILLING_RUN_CRON is 00:05 on the 1st; ten minutes later here leaves
    // room for usage of the last minutes of the month still in flight.
    expression: 'cron(15 0 1 * ? *)',
    description: 'Monthly billing run for the month just closed (1st of the month, 00:15 UTC)',
    retryAttempts: 3,
  },
  {
    job: 'billing-run-sweep',
    // The in-process sweep runs every 60 s; here it mostly resumes a run cut short by the
    // function's 15-minute limit, and retries failed customers "a while later" anyway.
    expression: 'rate(5 minutes)',
    description: 'Resumes billing runs whose pass stopped and retries failed customers',
    retryAttempts: 0,
  },
  {
    job: 'provider-sync',
    // provider-sync.service.ts retries every 30 s; one minute is the Scheduler's floor.
    expression: 'rate(1 minute)',
    description: 'Creates payment-provider customers whose first attempt failed',
    retryAttempts: 0,
  },
  {
    job: 'webhook-recovery',
    // webhook-recovery.service.ts sweeps every 60 s.
    expression: 'rate(1 minute)',
    description: 'Processes stored provider webhooks whose handling did not finish',
    retryAttempts: 0,
  },
  {
    job: 'credit-expiry',
    // credit-expiry.ts sweeps every CREDITS_EXPIRY_SWEEP_SECONDS (300 s by default).
    expression: 'rate(5 minutes)',
    description: 'Writes off credit grants past their expiry',
    retryAttempts: 0,
  },
  {
    job: 'outbox-sweep',
    // The stream publishes new outbox items within seconds; the sweep only picks up items whose
    // stream records failed every retry (they stay in the table), so minutes are enough.
    expression: 'rate(5 minutes)',
    description: 'Publishes outbox items the stream consumer could not (safety net)',
    retryAttempts: 0,
  },
];
