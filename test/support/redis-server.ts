import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

/** A real `redis-server` on a free port: no persistence, a password, stopped by the test. */
export class RedisServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly password: string,
  ) {}

  /** `redis://:<password>@127.0.0.1:<port>` */
  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`;
  }

  static async start(password: string): Promise<RedisServer> {
    const probe = spawnSync('redis-server', ['--version']);
    if (probe.error) {
      throw new Error(
        `redis-server is not installed (${probe.error.message}); this test needs a real Redis: apt-get install -y redis-server (npm test installs it)`,
      );
    }
    const server = new RedisServer(await freePort(), password);
    await server.restart();
    return server;
  }

  async restart(): Promise<void> {
    // prettier-ignore
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', this.password];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if ((await this.cli('PING').catch(() => '')) === 'PONG') return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${this.port}`);
      await sleep(50);
    }
  }

  /** SIGSTOP: connections stay open but nothing is answered. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  }

  async cli(...command: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(this.port), ...command],
      { env: { ...process.env, REDISCLI_AUTH: this.password }, timeout: 5_000 },
    );
    return stdout.trim();
  }
}
