import 'reflect-metadata';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import fastifyHelmet from '@fastify/helmet';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  type INestApplication,
  type LogLevel,
  Module,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import express from 'express';
import Fastify from 'fastify';
import helmet from 'helmet';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { useCheapInterceptorScopes } from '../../src/common/http/interceptor-scope';
import { REDACTED_PATHS } from '../../src/common/logging';
import { FLOOR_MODES, type FloorMode } from './modes';

/**
 * Minimal servers for the framework-floor suite (bench/floor.bench.ts), one per process:
 * `node -r ts-node/register/transpile-only bench/floor/server.ts <mode> <port>`. Each answers
 * `GET /health/live` with `{"status":"ok"}` as `application/json; charset=utf-8` and prints
 * `ready <port>` once it listens. The modes (./modes.ts) add one layer at a time.
 */

const BODY = JSON.stringify({ status: 'ok' });
const CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * nestjs-pino's per-request logging (a pino-http child logger per request) as the app used it
 * on Express, at level warn: nothing is printed for a healthy request, but the per-request work
 * runs. The app itself now logs finished requests from a Fastify hook (src/common/logging.ts).
 */
const pinoHttp: PinoHttpOptions = {
  level: 'warn',
  redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
  serializers: {
    req: (req: { id?: string; method?: string; url?: string }) => ({
      id: req.id,
      method: req.method,
      url: req.url,
    }),
    res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  },
  autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
};

@Controller('health')
class HealthController {
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [HealthController] })
class BareModule {}

@Module({ imports: [LoggerModule.forRoot({ pinoHttp })], controllers: [HealthController] })
class LoggedModule {}

/** helmet()'s default headers carry no per-request state (no CSP nonce): computed once. */
function staticHelmetHeaders(): Record<string, string> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  helmet()(req, res, () => undefined);
  return Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)]));
}

/** Calls the handler and passes its answer on: what every interceptor costs at the least. */
class PassThrough implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

async function nest(mode: FloorMode, port: number): Promise<void> {
  // NestJS 11 binds two functions per intercepted request with AsyncResource.bind; the app
  // replaces that with the async scopes of NestJS 12 (src/common/http/interceptor-scope.ts).
  if (mode === 'nest-fastify-interceptor-scoped') useCheapInterceptorScopes();
  const logged = mode.endsWith('-full') || mode.endsWith('-full-static');
  const module = logged ? LoggedModule : BareModule;
  const options = { logger: ['error', 'warn'] as LogLevel[], bufferLogs: logged };
  let app: INestApplication;
  if (mode.startsWith('nest-express')) {
    const ex = await NestFactory.create<NestExpressApplication>(module, options);
    if (logged) ex.useLogger(ex.get(Logger));
    if (mode === 'nest-express-full') ex.use(helmet());
    ex.disable('x-powered-by');
    app = ex;
  } else {
    const fa = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter(),
      options,
    );
    if (logged) fa.useLogger(fa.get(Logger));
    if (mode === 'nest-fastify-full') await fa.register(fastifyHelmet);
    if (mode.startsWith('nest-fastify-interceptor')) fa.useGlobalInterceptors(new PassThrough());
    if (mode === 'nest-fastify-full-static') {
      const headers = staticHelmetHeaders();
      fa.getHttpAdapter()
        .getInstance()
        .addHook('onRequest', (_req, reply, done) => {
          void reply.headers(headers);
          done();
        });
    }
    app = fa;
  }
  await app.listen(port, '127.0.0.1');
}

async function main(mode: FloorMode, port: number): Promise<void> {
  if (mode === 'node') {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/health/live') {
        res.writeHead(200, {
          'Content-Type': CONTENT_TYPE,
          'Content-Length': Buffer.byteLength(BODY),
        });
        res.end(BODY);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  } else if (mode === 'express') {
    const app = express();
    app.disable('x-powered-by');
    app.get('/health/live', (_req, res) => {
      res.json({ status: 'ok' });
    });
    await new Promise<void>((done) => app.listen(port, '127.0.0.1', () => done()));
  } else if (mode === 'fastify') {
    const app = Fastify({ logger: false });
    app.get('/health/live', () => Promise.resolve({ status: 'ok' }));
    await app.listen({ port, host: '127.0.0.1' });
  } else {
    await nest(mode, port);
  }
  process.stdout.write(`ready ${port}\n`);
}

if (require.main === module) {
  const [mode, port] = [process.argv[2], Number(process.argv[3])];
  if (!(mode in FLOOR_MODES) || !(port > 0)) {
    console.error(`usage: server.ts <${Object.keys(FLOOR_MODES).join('|')}> <port>`);
    process.exit(2);
  }
  process.on('SIGTERM', () => process.exit(0));
  main(mode as FloorMode, port).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
