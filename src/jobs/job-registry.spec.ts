import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Job, type JobParams } from './job';
import { JobRegistry, UnknownJob } from './job-registry';
import { JobsModule } from './jobs.module';

@Injectable()
class EchoJob extends Job<JobParams> {
  readonly name = 'echo';
  run(params: JobParams): Promise<JobParams> {
    return Promise.resolve(params);
  }
}

@Injectable()
class FailingJob extends Job {
  readonly name = 'always-fails';
  run(): Promise<never> {
    return Promise.reject(new Error('store unavailable'));
  }
}

async function registry(...jobs: (new (...args: never[]) => Job)[]): Promise<JobRegistry> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsModule],
    providers: jobs,
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef.get(JobRegistry);
}

describe('JobRegistry', () => {
  it('finds every Job provider and runs one by name with its params', async () => {
    const jobs = await registry(EchoJob, FailingJob);
    expect(jobs.names()).toEqual(['always-fails', 'echo']);
    await expect(jobs.run('echo', { period: '2026-11' })).resolves.toEqual({ period: '2026-11' });
    await expect(jobs.run('always-fails')).rejects.toThrow('store unavailable');
  });

  it('refuses a job nobody registered, naming the ones that exist', async () => {
    const jobs = await registry(EchoJob);
    await expect(jobs.run('nope')).rejects.toThrow(new UnknownJob('nope', ['echo']).message);
    await expect(jobs.run(undefined)).rejects.toThrow('Unknown job undefined; known jobs: echo');
  });

  it('refuses two jobs with one name', async () => {
    @Injectable()
    class OtherEcho extends EchoJob {}
    await expect(registry(EchoJob, OtherEcho)).rejects.toThrow('Two jobs are named "echo"');
  });
});
