/** What a job is started with: the scheduler event's fields other than `job` (all optional). */
export type JobParams = Readonly<Record<string, unknown>>;

/**
 * One unit of background work, with one implementation whoever runs it: the in-process
 * schedule in container mode (`RUN_MODE=container`), the `scheduled` Lambda handler (an
 * EventBridge Scheduler event `{"job": "<name>", ...params}`) in Lambda mode. A module offers
 * one by extending this class and listing it in its `providers`; `JobRegistry` finds it.
 *
 * `run` resolves with what it did (JSON-serializable: it becomes the Lambda result) and rejects
 * when the work failed, so the trigger reports (and may retry) the failure. Runs may overlap
 * across instances: every job is safe to run concurrently and again.
 */
export abstract class Job<R = unknown> {
  /** Lower-case, dash-separated, unique in the application (`billing-run`). */
  abstract readonly name: string;

  abstract run(params: JobParams): Promise<R>;
}
