import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
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

type WithId = IncomingMessage & { id?: string };

/** Keeps a caller's `x-request-id` when it is sane, otherwise makes one; echoes it back. */
export function assignRequestId(req: WithId, res: ServerResponse): string {
  if (req.id) return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  req.id = id;
  return id;
}

export function requestIdMiddleware(req: WithId, res: ServerResponse, next: () => void): void {
  assignRequestId(req, res);
  next();
}

export const AppLoggerModule = LoggerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>) => {
    const { logLevel } = config.get('app', { infer: true });
    return {
      pinoHttp: {
        level: logLevel,
        genReqId: (req, res) => assignRequestId(req as WithId, res),
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
        // Only what an operator needs per request; headers stay out of the logs entirely.
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
        // Health probes and scrapes would drown everything else.
        autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      },
    };
  },
});
