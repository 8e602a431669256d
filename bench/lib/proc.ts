import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { processCpuMs } from '../probe/store-probe';

export { processCpuMs };

/** Resident set size of a Linux process in MB (VmRSS), or NaN when /proc is not readable. */
export function rssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** The first descendant of `pid` whose command is `name` (the app's embedded DynamoDB Local JVM). */
export function findDescendant(pid: number, name: string): number | undefined {
  const queue = children(pid);
  while (queue.length > 0) {
    const next = queue.shift()!;
    try {
      if (readFileSync(`/proc/${next}/comm`, 'utf8').trim() === name) return next;
    } catch {
      continue;
    }
    queue.push(...children(next));
  }
  return undefined;
}

/** CPU time (ms) of several processes, read together before and after a load. */
export function cpuOf(pids: (number | undefined)[]): number[] {
  return pids.map((pid) => (pid === undefined ? NaN : (processCpuMs(pid) ?? NaN)));
}

/**
 * A bare Node `http` server in a process of its own, answering every request with the given
 * status, headers and body: the floor any framework on this Node sits on.
 */
export async function startBareServer(
  body: string,
  headers: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const script = `
    const http = require('node:http');
    const body = Buffer.from(${JSON.stringify(body)});
    const headers = ${JSON.stringify(headers)};
    const server = http.createServer((req, res) => {
      res.writeHead(200, { ...headers, 'Content-Length': body.length });
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
