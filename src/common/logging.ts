import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { pino, type Logger as Pino, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/configuration';
import { RequestContext } from './request-context';

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
 * A request as the HTTP server receives it. `platformRequestId` is set by the entry point when
 * the platform in front names the request (API Gateway's `requestContext.requestId` on Lambda,
 * see src/lambda.ts): it is trusted, and becomes the request id, so logs match the gateway's.
 */
export type WithPlatformId = IncomingMessage & { platformRequestId?: string };

/**
 * The id of a new request (Fastify's `genReqId`): the platform's when there is one, else a
 * caller's `x-request-id` when it is sane, otherwise a new one. Echoed back in `x-request-id`.
 */
export function requestIdOf(req: WithPlatformId): string {
  const platform = req.platformRequestId;
  if (platform !== undefined && PLATFORM_REQUEST_ID.test(platform)) return platform;
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
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

/** The application's pino logger (one per application; tests may start several). */
export const ROOT_LOGGER = 'ROOT_LOGGER';

/**
 * The options of the root logger: redaction by path, secrets scrubbed from every line, and the
 * id of the request being served (`reqId`, from the request context) on every line logged while
 * serving it. Nothing is built per request: the id is read only when a line is written.
 */
export function loggerOptions(level: string, secrets: readonly string[]): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    mixin: () => {
      const reqId = RequestContext.requestId();
      // A new object each time: pino merges the line's own fields into it.
      return reqId === undefined ? {} : { reqId };
    },
    hooks: { streamWrite: secretScrubber(secrets) },
  };
}

/**
 * nestjs-pino's logger bound to this application's pino instance. Its own binding is a
 * process-wide singleton (the first application's logger would serve every later one) or a
 * per-request child made by its middleware; neither is needed here.
 */
class BoundPinoLogger extends PinoLogger {
  constructor(private readonly root: Pino) {
    super({ pinoHttp: { logger: root } });
  }

  override get logger(): Pino {
    return this.root;
  }
}

const UNLOGGED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * One line per finished request with only what an operator needs (id, method, URL, status,
 * time), the level by status; health probes and scrapes are not logged (they would drown
 * everything else), and nothing is built when the level is off. Called from the HTTP
 * pipeline's `onResponse` hook (src/app.factory.ts).
 */
export function requestLogger(root: Pino): (request: FastifyRequest, reply: FastifyReply) => void {
  return (request, reply) => {
    const statusCode = reply.statusCode;
    const level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
    if (!root.isLevelEnabled(level) || UNLOGGED_PATHS.test(request.url)) return;
    root[level](
      {
        reqId: request.id,
        req: { method: request.method, url: request.url },
        res: { statusCode },
        responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
      },
      'request completed',
    );
  };
}

/**
 * The application's loggers: pino (`ROOT_LOGGER`) and, for Nest's `Logger`, nestjs-pino's
 * bridge on top of it. `LogDestination` null keeps pino's stdout; a test replaces it.
 */
@Global()
@Module({
  providers: [
    { provide: LogDestination, useValue: null },
    {
      provide: ROOT_LOGGER,
      inject: [ConfigService, LogDestination],
      useFactory: (config: ConfigService<AppConfig, true>, destination: LogDestination | null) => {
        const { logLevel } = config.get('app', { infer: true });
        const options = loggerOptions(logLevel, configuredSecrets(config));
        return destination ? pino(options, destination) : pino(options);
      },
    },
    {
      provide: Logger,
      inject: [ROOT_LOGGER],
      useFactory: (root: Pino) => new Logger(new BoundPinoLogger(root), {}),
    },
  ],
  exports: [Logger, ROOT_LOGGER],
})
export class AppLoggerModule {}
