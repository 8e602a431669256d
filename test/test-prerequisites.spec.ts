import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../scripts/test-prerequisites.sh');

/**
 * `npm test` runs scripts/test-prerequisites.sh first. Here it runs against a PATH of stubs, so
 * each machine it meets (root with apt, a user with apt, everything present) is played out
 * without touching this one.
 */
describe('scripts/test-prerequisites.sh', () => {
  let bin: string;

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'prereq-bin-'));
    for (const tool of ['sh', 'awk', 'cp']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
      symlinkSync(found.stdout.trim(), join(bin, tool));
    }
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  const stub = (name: string, body: string, dir = bin) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  const java = (version: string, dir = bin) =>
    stub('java', `echo 'openjdk version "${version}" 2025-04-15' >&2`, dir);
  const redis = (dir = bin) => {
    stub('redis-server', 'echo Redis server v=7.0.15', dir);
    stub('redis-cli', 'echo redis-cli 7.0.15', dir);
  };
  const asUser = (uid: number) => stub('id', `echo ${uid}`);
  const aptLog = () => join(bin, 'apt.log');
  const run = () => {
    const result = spawnSync('/bin/sh', [SCRIPT], { env: { PATH: bin }, encoding: 'utf8' });
    return { code: result.status, stderr: result.stderr };
  };

  it('does nothing (no apt-get) when Java 17+ and Redis are there', () => {
    java('17.0.15');
    redis();
    stub('apt-get', `echo "$@" >> ${aptLog()}`);
    expect(run()).toEqual({ code: 0, stderr: '' });
    expect(existsSync(aptLog())).toBe(false);
  });

  it('as root with apt-get, installs what is missing and goes on', () => {
    asUser(0);
    java('11.0.2');
    // What the packages put on PATH, staged aside; the apt-get stub "installs" it.
    const staged = mkdtempSync(join(tmpdir(), 'prereq-pkg-'));
    try {
      java('17.0.15', staged);
      redis(staged);
      stub(
        'apt-get',
        `echo "$@" >> ${aptLog()}\ncase "$*" in *install*) cp ${staged}/* ${bin}/ ;; esac`,
      );
      const { code } = run();
      expect(readFileSync(aptLog(), 'utf8').trim().split('\n')).toEqual([
        'update -qq',
        'install -y -qq openjdk-17-jre-headless redis-server',
      ]);
      expect(code).toBe(0);
    } finally {
      rmSync(staged, { recursive: true, force: true });
    }
  });

  it('without root, stops with the exact command to run', () => {
    asUser(1000);
    stub('apt-get', `echo "$@" >> ${aptLog()}`);
    redis();
    const { code, stderr } = run();
    expect(code).toBe(1);
    // Only what is missing: Redis is there.
    expect(stderr).toContain(
      'sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless\n',
    );
    expect(existsSync(aptLog())).toBe(false);
  });

  it('without apt-get, names what to install', () => {
    java('21');
    const { code, stderr } = run();
    expect(code).toBe(1);
    expect(stderr).toContain('apt-get update && apt-get install -y redis-server');
    expect(stderr).toContain('brew install openjdk@17 redis');
  });
});
