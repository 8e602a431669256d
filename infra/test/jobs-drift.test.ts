import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEDULED_JOBS } from '../lib/jobs';
import { REPO_ROOT } from '../lib/service-asset';

/**
 * Every background job of the service (a class extending `Job`, src/jobs/job.ts) has a schedule
 * on Lambda, and every schedule names a job that exists: a job added to the service without a
 * schedule would silently never run there. Read from the source, as the service's own job
 * registry is built by Nest.
 */
function serviceJobNames(): string[] {
  const names: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        const source = readFileSync(path, 'utf8');
        for (const match of source.matchAll(
          /class \w+ extends Job<.*?>\s*\{\s*readonly name = '([^']+)'/g,
        )) {
          names.push(match[1]);
        }
      }
    }
  };
  visit(join(REPO_ROOT, 'src'));
  return names.sort();
}

describe('scheduled jobs', () => {
  it('schedule exactly the jobs the service defines', () => {
    const defined = serviceJobNames();
    expect(defined.length).toBeGreaterThan(0);
    expect(SCHEDULED_JOBS.map((j) => j.job).sort()).toEqual(defined);
  });
});
