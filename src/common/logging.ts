import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { AppConfig } from '../config/configuration';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["stripe-signature"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.secret',
  '*.secretKey',
  '*.password',
  '*.token',
  '*.authorization',
  '*.webhookSecret',
  '*.stripeSignature',
];

/** What the platform in front may put there: printable, bounded. */
const PLATFORM_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * A request as the HTTP layer sees it. `platformRequestId` is set by the entry point when the
 * platform in front names the request (API Gateway's `requestContext.requestId` on Lambda, see
 * src/lambda.ts): it is trusted, and becomes the request id, so logs match the gateway's.
 */
export type WithId = IncomingMessage & { id?: string; platformRequestId?: string };

/**
 * The platform's request id when there is one, else a caller's `x-request-id` when it is
 * sane, otherwise a new one; echoed back in `x-request-id`.
 */
export function assignRequestId(req: WithId, res: ServerResponse): string {
  if (req.id) return req.id;
  const incoming = req.headers['x-request-id'];
  const platform = req.platformRequestId;
  const id =
    platform !== undefined && PLATFORM_REQUEST_ID.test(platform)
      ? platform
      : typeof incoming === 'string' && REQUEST_ID.test(incoming)
        ? incoming
        : randomUUID();
  res.setHeader('x-request-id', id);
  req.id = id;
  return id;
}

export function requestIdMiddleware(req: WithId, res: ServerResponse, next: () => void): void {
  assignRequestId(req, res);
  next();
}

/** Values that must never reach a log line: API keys, provider keys, webhook secrets. */
export function configuredSecrets(config: ConfigService<AppConfig, true>): string[] {
  return config.get('secrets', { infer: true });
}

/**
 * Replaces every configured secret in a serialized log line. Redaction by path cannot catch a
 * secret inside a message: an upstream error that quotes the request it refused (Stripe echoing
 * the `Authorization` header it was sent) would otherwise be logged verbatim, `cause` included.
 */
export function secretScrubber(secrets: readonly string[]): (line: string) => string {
  // Raw and JSON-escaped forms, longest first so no secret is half-replaced by a shorter one.
  const formsOf = () =>
    [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort(
      (a, b) => b.length - a.length,
    );
  let forms = formsOf();
  let known = secrets.length;
  return (line) => {
    // The list only grows: a Secrets Manager refresh appends rotated values (SecretsRefresher).
    if (secrets.length !== known) [forms, known] = [formsOf(), secrets.length];
    let out = line;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
    return out;
  };
}

/**
 * Where pino writes. The default (null) keeps pino's own stdout destination; a test replaces the
 * provider with a stream of its own to read exactly what the service logs.
 */
export abstract class LogDestination {
  abstract write(line: string): void;
}

/**
 * pino-http for the app's requests: request ids, redaction, only what an operator needs per
 * request (headers stay out of the logs entirely), the level by status, health probes and
 * scrapes not logged (they would drown everything else).
 */
export function requestLogging(level: string): PinoHttpOptions {
  return {
    level,
    genReqId: (req, res) => assignRequestId(req as WithId, res),
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
  };
}

export const AppLoggerModule = LoggerModule.forRootAsync({
  providers: [{ provide: LogDestination, useValue: null }],
  inject: [ConfigService, LogDestination],
  useFactory: (config: ConfigService<AppConfig, true>, destination: LogDestination | null) => {
    const { logLevel } = config.get('app', { infer: true });
    const options: PinoHttpOptions = {
      ...requestLogging(logLevel),
      hooks: { streamWrite: secretScrubber(configuredSecrets(config)) },
    };
    return { pinoHttp: destination ? [options, destination] : options };
  },
});
