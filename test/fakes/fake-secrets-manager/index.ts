/**
 * In-process fake of AWS Secrets Manager `GetSecretValue`, speaking AWS JSON 1.1 as
 * `@aws-sdk/client-secrets-manager` v3 sends and parses it, so the real client can be pointed at
 * it with `endpoint: fake.url` (the service: SECRETS_MANAGER_ENDPOINT).
 *
 * Wire format:
 *   request:  POST /  content-type: application/x-amz-json-1.1
 *             x-amz-target: secretsmanager.GetSecretValue
 *             body {"SecretId": "<name or ARN>", "VersionId"?: "...", "VersionStage"?: "AWSCURRENT"}
 *   success:  200 {"ARN","Name","VersionId","SecretString","VersionStages":[...],"CreatedDate"(epoch s)}
 *   error:    4xx/5xx {"__type":"<Name>","message":"..."} + header x-amzn-ErrorType: <Name>
 *             (ResourceNotFoundException 400 "Secrets Manager can't find the specified secret.",
 *             InternalServiceError 500 while `down()`)
 *
 * Tests create secrets with `putSecret` and rotate them by putting a new value: the new version
 * becomes AWSCURRENT and the old one AWSPREVIOUS, as PutSecretValue does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const GET_SECRET_VALUE_TARGET = 'secretsmanager.GetSecretValue';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '123456789012';

interface SecretVersion {
  versionId: string;
  value: string;
  stages: string[];
  createdAt: Date;
}

interface StoredSecret {
  name: string;
  arn: string;
  versions: SecretVersion[];
}

/** One request the fake answered. */
export interface RecordedSecretCall {
  target: string | undefined;
  secretId: string | undefined;
  status: number;
  errorType?: string;
  /** True when the request carried a SigV4 Authorization header. */
  signed: boolean;
}

export interface FakeSecretsManager {
  /** e.g. http://127.0.0.1:34567 — SECRETS_MANAGER_ENDPOINT. */
  readonly url: string;
  readonly region: string;
  readonly calls: RecordedSecretCall[];
  /**
   * Creates the secret, or rotates it (a new AWSCURRENT version, the old one AWSPREVIOUS).
   * Returns the secret's ARN.
   */
  putSecret(name: string, value: string): string;
  /** The secret is gone: reads answer ResourceNotFoundException. */
  deleteSecret(nameOrArn: string): void;
  /** Every request answers 500 InternalServiceError until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

interface ErrorReply {
  status: number;
  type: string;
  message: string;
}

const notFound: ErrorReply = {
  status: 400,
  type: 'ResourceNotFoundException',
  message: "Secrets Manager can't find the specified secret.",
};

export async function startFakeSecretsManager(
  opts: { region?: string } = {},
): Promise<FakeSecretsManager> {
  const region = opts.region ?? 'us-east-1';
  const secrets = new Map<string, StoredSecret>();
  const calls: RecordedSecretCall[] = [];
  let isDown = false;

  const find = (secretId: string): StoredSecret | undefined =>
    secrets.get(secretId) ?? [...secrets.values()].find((s) => s.arn === secretId);

  const getSecretValue = (body: Record<string, unknown>): ErrorReply | { payload: object } => {
    const secretId = body.SecretId;
    if (typeof secretId !== 'string' || secretId.length === 0) {
      return {
        status: 400,
        type: 'ValidationException',
        message:
          "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
      };
    }
    const secret = find(secretId);
    if (!secret) return notFound;
    const stage = typeof body.VersionStage === 'string' ? body.VersionStage : 'AWSCURRENT';
    const version =
      typeof body.VersionId === 'string'
        ? secret.versions.find((v) => v.versionId === body.VersionId)
        : secret.versions.find((v) => v.stages.includes(stage));
    if (!version) {
      return {
        status: 400,
        type: 'ResourceNotFoundException',
        message:
          "Secrets Manager can't find the specified secret value for staging label: " + stage,
      };
    }
    return {
      payload: {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.value,
        VersionStages: version.stages,
        CreatedDate: version.createdAt.getTime() / 1000,
      },
    };
  };

  const send = (res: http.ServerResponse, status: number, payload: object, type?: string) => {
    const text = JSON.stringify(payload);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': JSON_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
    };
    if (type) headers['x-amzn-ErrorType'] = type;
    res.writeHead(status, headers);
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawTarget = req.headers['x-amz-target'];
      const target = Array.isArray(rawTarget) ? rawTarget[0] : rawTarget;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        body = undefined;
      }
      const record = body as Record<string, unknown> | undefined;
      const call: RecordedSecretCall = {
        target,
        secretId: typeof record?.SecretId === 'string' ? record.SecretId : undefined,
        status: 200,
        signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ''),
      };
      calls.push(call);
      const fail = (error: ErrorReply) => {
        call.status = error.status;
        call.errorType = error.type;
        send(res, error.status, { __type: error.type, message: error.message }, error.type);
      };
      if (isDown) {
        return fail({
          status: 500,
          type: 'InternalServiceError',
          message: 'An error occurred on the server side (fake Secrets Manager is down).',
        });
      }
      if (req.method !== 'POST' || target !== GET_SECRET_VALUE_TARGET) {
        return fail({
          status: 400,
          type: 'UnknownOperationException',
          message: `Unknown operation ${target ?? '(missing X-Amz-Target)'}`,
        });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return fail({ status: 400, type: 'SerializationException', message: 'Bad request body.' });
      }
      const out = getSecretValue(body as Record<string, unknown>);
      if ('payload' in out) send(res, 200, out.payload);
      else fail(out);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    region,
    calls,
    putSecret(name, value) {
      let secret = secrets.get(name);
      if (!secret) {
        // Secrets Manager appends a dash and six random characters to the name in the ARN.
        const suffix = randomBytes(3).toString('hex');
        secret = {
          name,
          arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`,
          versions: [],
        };
        secrets.set(name, secret);
      }
      for (const version of secret.versions) {
        version.stages = version.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
      }
      secret.versions.push({
        versionId: randomUUID(),
        value,
        stages: ['AWSCURRENT'],
        createdAt: new Date(),
      });
      return secret.arn;
    },
    deleteSecret(nameOrArn) {
      const secret = find(nameOrArn);
      if (secret) secrets.delete(secret.name);
    },
    down() {
      isDown = true;
    },
    up() {
      isDown = false;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
