import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { APP_NODE_FLAGS } from '../bench/lib/app-process';

const root = resolve(__dirname, '..');

/**
 * The V8 heap flags that keep the service's memory close to what it holds live under load
 * (README, Performance: the old generation grows by 40%, the young generation's semi-spaces are
 * 2 MB) are given on the command line (node refuses `--heap-growing-percent` in NODE_OPTIONS):
 * `npm start`, the container image and the bench must run the app with the same.
 */
describe('runtime node flags', () => {
  it('npm start and the Dockerfile run the app with the same heap flags, which node accepts', () => {
    expect(APP_NODE_FLAGS).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--heap-growing-percent=\d+$/),
        expect.stringMatching(/^--max-semi-space-size=\d+$/),
      ]),
    );
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(resolve(root, 'Dockerfile'), 'utf8'));
    expect(JSON.parse(cmd![1])).toEqual(['node', ...APP_NODE_FLAGS, 'dist/main.js']);

    const run = spawnSync(process.execPath, [...APP_NODE_FLAGS, '-e', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
