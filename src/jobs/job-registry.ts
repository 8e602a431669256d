import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { providersOf } from '../common/discovery/providers-of';
import { Job, type JobParams } from './job';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A job name nobody registered: the trigger is misconfigured, so the run fails loudly. */
export class UnknownJob extends Error {
  constructor(name: unknown, known: readonly string[]) {
    super(
      `Unknown job ${JSON.stringify(name)}; known jobs: ${known.length > 0 ? known.join(', ') : 'none'}`,
    );
    this.name = 'UnknownJob';
  }
}

/** Every `Job` provider of the application, by name (see Job). */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly logger = new Logger('Jobs');
  private jobs = new Map<string, Job>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const jobs = providersOf(this.discovery, Job, 'jobs');
    for (const job of jobs) {
      if (!NAME.test(job.name))
        throw new Error(`Job name "${job.name}" must match ${String(NAME)}`);
    }
    this.jobs = new Map(jobs.map((job) => [job.name, job]));
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.jobs.keys()];
  }

  get(name: unknown): Job {
    const job = typeof name === 'string' ? this.jobs.get(name) : undefined;
    if (!job) throw new UnknownJob(name, this.names());
    return job;
  }

  /** Runs the named job once and returns its result; rejects with UnknownJob or its failure. */
  async run(name: unknown, params: JobParams = {}): Promise<unknown> {
    const job = this.get(name);
    const started = Date.now();
    try {
      const result = await job.run(params);
      this.logger.log({ job: job.name, ms: Date.now() - started }, `Job ${job.name} done`);
      return result;
    } catch (error) {
      this.logger.error({ err: error, job: job.name }, `Job ${job.name} failed`);
      throw error;
    }
  }
}
