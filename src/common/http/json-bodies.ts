import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import getRawBody from 'raw-body';
import secureJson from 'secure-json-parse';
import {
  DomainError,
  MalformedJson,
  PayloadTooLarge,
  UnsupportedBody,
} from '../errors/domain-error';

/** A request whose JSON body was read: its exact bytes too (Stripe signs them). */
type WithRawBody = FastifyRequest & { rawBody?: Buffer };

const INFLATE: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * The body parsers of the application, replacing Fastify's: `application/json` only, in UTF-8,
 * optionally gzip/deflate/br encoded; at most the route's `bodyLimit` bytes once inflated; an
 * empty body is `{}`; an object or an array at the top (JSON's other values are refused, as
 * body-parser's strict mode did); `__proto__` and `constructor.prototype` keys refused
 * (Fastify's rule). The exact bytes are kept in `request.rawBody`. Bodies of any other type are
 * not read: the route sees no body and validates accordingly. Every failure is a domain error,
 * answered by the one error filter.
 */
export function useJsonBodies(fastify: FastifyInstance, defaultLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    async (request: WithRawBody, payload: Readable) => {
      const raw = await readBody(request, payload, request.routeOptions.bodyLimit ?? defaultLimit);
      request.rawBody = raw;
      return parseJson(raw);
    },
  );
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/** The first character after JSON's whitespace. */
const FIRST = /^[ \t\n\r]*(.)/s;

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  const text = raw.toString('utf8');
  const first = FIRST.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new MalformedJson();
  try {
    return secureJson.parse(text, undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    });
  } catch {
    throw new MalformedJson();
  }
}

async function readBody(
  request: FastifyRequest,
  payload: Readable,
  limit: number,
): Promise<Buffer> {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedBody(`charset ${charset}`);
  }
  const coding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let stream: Readable = payload;
  if (coding !== 'identity') {
    const inflate = INFLATE[coding];
    if (!inflate) throw new UnsupportedBody(`content encoding ${coding}`);
    stream = payload.pipe(inflate()) as unknown as Readable;
    payload.on('error', (error) => stream.destroy(error));
  }
  try {
    return await getRawBody(stream, {
      limit,
      // Checked against the bytes on the wire; an inflated body has no declared length.
      length: coding === 'identity' ? request.headers['content-length'] : undefined,
    });
  } catch (error) {
    throw bodyReadError(error, limit);
  }
}

/**
 * A body whose bytes could not be read: 413 PAYLOAD_TOO_LARGE over the route's limit (raw-body's
 * `entity.too.large`), else 400 UNREADABLE_BODY (a length that does not match the bytes sent, a
 * compressed body that does not inflate, a client that went away).
 */
function bodyReadError(error: unknown, limit: number): DomainError {
  const type =
    typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (type === 'entity.too.large') return new PayloadTooLarge(limit);
  return new DomainError('UNREADABLE_BODY', 'invalid', 'The request body could not be read');
}
