import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, UnsupportedBody } from './domain-error';
import { CODE_BY_STATUS, STATUS_BY_KIND } from './error-status';
import { isStoreUnavailable } from './store-errors';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

interface Mapped {
  body: Omit<ErrorBody, 'requestId'>;
  retryAfter?: number;
}

/**
 * A client error raised by the HTTP stack below Nest: Fastify's own (`FST_ERR_*` with a 4xx
 * `statusCode`, e.g. a URL that does not decode) or one in the `http-errors` convention (a 4xx
 * `status` and `expose: true`, its message meant for the client). Body errors are domain errors
 * already (src/common/http/json-bodies.ts).
 */
function clientHttpError(exception: unknown): { status: number; message: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as {
    status?: unknown;
    statusCode?: unknown;
    code?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  const fastify = typeof e.code === 'string' && e.code.startsWith('FST_');
  const status = fastify ? e.statusCode : e.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (!fastify && e.expose !== true) return undefined;
  return { status, message: typeof e.message === 'string' ? e.message : '' };
}

/** The response an error gets: its status, body (without the request id) and Retry-After. */
function mapException(exception: unknown): Mapped {
  if (exception instanceof DomainError) {
    return {
      body: {
        statusCode: STATUS_BY_KIND[exception.kind],
        error: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
      },
      retryAfter: exception.retryAfterSeconds,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Fastify refuses a Content-Type header it cannot parse before any body parser runs, and Nest
    // hands that on as a 415: answered as the parser answers a body it cannot read.
    if (status === 415) return mapException(new UnsupportedBody('the Content-Type header'));
    const response = exception.getResponse();
    const raw =
      typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message =
      typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : exception.message;
    return { body: { statusCode: status, error: CODE_BY_STATUS[status] ?? 'ERROR', message } };
  }
  const clientError = clientHttpError(exception);
  if (clientError) {
    const { status, message } = clientError;
    return {
      body: {
        statusCode: status,
        error: CODE_BY_STATUS[status] ?? 'BAD_REQUEST',
        message: message || 'The request could not be read',
      },
    };
  }
  if (isStoreUnavailable(exception)) {
    return {
      body: {
        statusCode: 503,
        error: 'STORE_UNAVAILABLE',
        message: 'The data store is unavailable; retry shortly',
      },
      retryAfter: 5,
    };
  }
  return {
    body: { statusCode: 500, error: 'INTERNAL_ERROR', message: 'An unexpected error occurred' },
  };
}

/** The one place where errors become HTTP responses, in the shape of DESIGN §4. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, retryAfter } = mapException(exception);
    if (body.statusCode >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, route: request.url },
        `${body.error} on ${request.method} ${request.url}`,
      );
    }
    if (reply.sent) return;
    sendError(request, reply, body, retryAfter);
  }
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Mapped['body'],
  retryAfter?: number,
): void {
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  void reply.status(body.statusCode).send({ ...body, requestId: request.id });
}

/**
 * Answers an error raised before a request reaches Nest (its filters do not see it), in the same
 * shape as the filter does.
 */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const { body, retryAfter } = mapException(error);
  sendError(request, reply, body, retryAfter);
}
