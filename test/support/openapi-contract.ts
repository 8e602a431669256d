import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/*
 * The contract test: every response an e2e suite receives from a test app is checked against the
 * app's OpenAPI document (the status is documented for the operation, the body matches its
 * schema, an error's code is one the response lists). Violations are collected per test file and
 * fail it (test/support/contract-setup.ts), so the document cannot drift from the code.
 */

/** One response as the server sent it. */
export interface Exchange {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  contentType?: string;
  /** The body; undefined when it was not captured (not JSON, or too large). */
  body?: Buffer;
}

/**
 * Errors raised before a request reaches its route (body parser, URL decoding): any route, known
 * or not, may answer them, in the error shape.
 */
const PRE_ROUTING_CODES = new Set([
  'MALFORMED_JSON',
  'UNREADABLE_BODY',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
]);

const SCHEMA_PREFIX = '#/components/schemas/';
const DEFINITIONS_ID = 'openapi-components';

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
}

type Json = unknown;

/**
 * OpenAPI 3.0 schema → JSON Schema for Ajv: component refs point at one shared definitions
 * schema; `nullable` becomes `anyOf [null, ..]`; and an object schema that lists
 * its properties is closed (no undocumented properties), unless it says otherwise.
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const schema = node as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_PREFIX)) {
      out.$ref = `${DEFINITIONS_ID}#/definitions/${value.slice(SCHEMA_PREFIX.length)}`;
    } else if (key === 'properties' || key === 'definitions') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Json>).map(([k, v]) => [k, toJsonSchema(v)]),
      );
    } else if (key === 'example' || key === 'examples') {
      // Data, not schema: never rewritten.
      out[key] = value;
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    // As client generators read it: null, or whatever the rest (a $ref in `allOf` too) allows.
    const { nullable: _, ...rest } = out;
    return { anyOf: [{ type: 'null' }, rest] };
  }
  return out;
}

const baseType = (contentType?: string) => contentType?.split(';')[0].trim().toLowerCase();
const isJson = (type?: string) => type === 'application/json' || !!type?.endsWith('+json');

export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<SchemaObject, ValidateFunction>();
  private readonly errorValidator: ValidateFunction;

  constructor(private readonly document: OpenAPIObject) {
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema({
      $id: DEFINITIONS_ID,
      definitions: toJsonSchema(document.components?.schemas ?? {}),
    });
    this.errorValidator = this.ajv.compile({
      $ref: `${DEFINITIONS_ID}#/definitions/ErrorResponse`,
    });
    this.routes = Object.keys(document.paths)
      .map((template) => {
        const source = template
          .split(/(\{[^}]+\})/)
          .map((part) =>
            /^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('');
        return {
          template,
          // Any case, as the router matches.
          pattern: new RegExp(`^${source}$`, 'i'),
          params: (template.match(/\{/g) ?? []).length,
        };
      })
      // A literal segment wins over a parameter (as in the router).
      .sort((a, b) => a.params - b.params);
  }

  /** What is wrong with one response, if anything. */
  check(exchange: Exchange): string | undefined {
    let path = exchange.url.split('?')[0];
    if (path.length > 1) path = path.replace(/\/+$/, '');
    const head = exchange.method.toUpperCase() === 'HEAD';
    const method = head ? 'get' : exchange.method.toLowerCase();
    const route = this.routes.find((r) => r.pattern.test(path));
    const operation = route
      ? (this.document.paths[route.template] as Record<string, OperationObject | undefined>)[method]
      : undefined;
    const where = operation
      ? `${method.toUpperCase()} ${route!.template}`
      : `${exchange.method} ${path}`;
    const type = baseType(exchange.contentType);
    let body: Json;
    if (exchange.body !== undefined && exchange.body.length > 0 && isJson(type)) {
      try {
        body = JSON.parse(exchange.body.toString('utf8'));
      } catch {
        return `${where} → ${exchange.status}: the body is not JSON`;
      }
    }
    const code =
      typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;

    // Answers any route may give: a generic 404 for what does not exist, pre-routing errors.
    const generic =
      (exchange.status === 404 && code === 'NOT_FOUND' && !operation) ||
      (exchange.status >= 400 && typeof code === 'string' && PRE_ROUTING_CODES.has(code));
    if (generic) {
      if (!this.errorValidator(body)) {
        return `${where} → ${exchange.status}: not an ErrorResponse: ${this.ajv.errorsText(this.errorValidator.errors)}`;
      }
      return undefined;
    }
    if (!operation) {
      return `${where} → ${exchange.status} ${typeof code === 'string' ? code : ''}: no such operation in the document`;
    }
    const responses = operation.responses as Record<string, ResponseObject | undefined>;
    const response =
      responses[String(exchange.status)] ??
      responses[`${String(exchange.status)[0]}XX`] ??
      responses.default;
    if (!response) {
      return `${where} → ${exchange.status} ${typeof code === 'string' ? code : ''}: status not documented`;
    }
    if (head) return undefined;
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      return exchange.body && exchange.body.length > 0
        ? `${where} → ${exchange.status}: a body where the document has none`
        : undefined;
    }
    if (!type || !content[type]) {
      return `${where} → ${exchange.status}: content type ${type ?? '(none)'} not documented (${Object.keys(content).join(', ')})`;
    }
    if (!isJson(type) || exchange.body === undefined) return undefined;
    const media = content[type];
    if (media.schema) {
      const validate = this.validatorFor(media.schema as SchemaObject);
      if (!validate(body)) {
        return `${where} → ${exchange.status}: body does not match the schema: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`;
      }
    }
    if (exchange.status >= 400 && media.examples && typeof code === 'string') {
      if (!(code in media.examples)) {
        return `${where} → ${exchange.status}: error code ${code} is not among the documented ${Object.keys(media.examples).join(', ')}`;
      }
    }
    return undefined;
  }

  private validatorFor(schema: SchemaObject): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.validators.set(schema, validate);
    }
    return validate;
  }
}

/** Bodies beyond this are not kept (a CSV report of many rows; JSON answers are far smaller). */
const MAX_CAPTURE = 16 * 1024 * 1024;

const violations = new Map<string, string>();

/** Violations seen in this test file: first example of each distinct problem. */
export function contractViolations(): string[] {
  return [...violations.values()];
}

/**
 * A `request` listener of the HTTP server (installed before the application's, by the test
 * app) that hands every finished response to the contract and records what is wrong with it.
 */
export function contractRecorder(contract: () => OpenApiContract) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let keep = true;
    const capture = (chunk: unknown, encoding?: unknown) => {
      if (!keep || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > MAX_CAPTURE || !isJson(baseType(contentType() ?? ''))) {
        keep = false;
        chunks.length = 0;
        return;
      }
      chunks.push(buffer);
    };
    // Fastify passes its headers to writeHead instead of setting them one by one.
    let written: Record<string, unknown> = {};
    const contentType = () => {
      const value = written['content-type'] ?? res.getHeader('content-type');
      return typeof value === 'string' ? value : undefined;
    };
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = (status: number, ...rest: unknown[]) => {
      const headers = rest.find((r) => typeof r === 'object' && r !== null);
      if (headers && !Array.isArray(headers)) {
        written = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      }
      return writeHead(status, ...rest);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      capture(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      capture(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as ServerResponse['end'];
    res.on('finish', () => {
      const exchange: Exchange = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        status: res.statusCode,
        contentType: contentType(),
        body: keep ? Buffer.concat(chunks) : undefined,
      };
      let problem: string | undefined;
      try {
        problem = contract().check(exchange);
      } catch (error) {
        problem = `${exchange.method} ${exchange.url}: the contract check failed: ${(error as Error).message}`;
      }
      if (problem) {
        const key = problem.replace(/: .*$/s, '').replace(/\/[^/ ]*\d[^/ ]*/g, '/…');
        if (!violations.has(key)) {
          violations.set(key, `${problem}\n    (${exchange.method} ${exchange.url.slice(0, 200)})`);
        }
      }
    });
  };
}
