import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { defaultScope, SCOPE_EXTENSION } from '../auth/auth.decorators';
import {
  ERROR_RESPONSE_SCHEMA,
  ERROR_RESPONSE_SCHEMA_NAME,
  mergeErrorCodes,
} from './error-responses';
import { describedTags } from './api-tag.decorator';

/** Where the document and its explorer are served (see `configureApp`). */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const API_KEY_SCHEME = 'api-key';

// The core's tags; modules describe their own with `@ApiTag` (api-tag.decorator.ts).

const TAGS: [string, string][] = [
  ['customers', 'Who is billed, on which plan and in which currency'],
  ['plans', 'Versioned price plans; a new version never reprices the usage of its past'],
  ['usage', 'Usage events: idempotent ingest (customer + eventId counts once) and read-back'],
  ['pricing', "Quotes, and a customer's charges for a period so far"],
  ['invoices', 'One invoice per customer and period: draft → open → paid | void | uncollectible'],
  ['billing runs', 'Closing a period: invoicing and finalizing every active customer'],
  ['reports', 'Usage and billing reports, as JSON or CSV'],
  ['audit', 'Who changed what and when (admin keys only)'],
  ['webhooks', "Stripe's webhook endpoint (signed, no API key) and the stored events (admin)"],
  ['health', 'Liveness and readiness probes (no API key)'],
  ['operations', 'Prometheus metrics and this document (no API key)'],
];

const DESCRIPTION = `Meters API usage, prices it with tiered plans and invoices it through Stripe.

- **Money** is a decimal string in major units (\`"12.50"\`); currencies are ISO 4217, upper case.
- **Times** are ISO-8601 UTC; periods are calendar months (\`YYYY-MM\`), half-open.
- **Errors**, every 4xx and 5xx, have one shape (\`ErrorResponse\`): \`{statusCode, error, message, details?, requestId}\`. Branch on \`error\`, a stable code; each response lists the codes it carries as its examples. A route or method that does not exist answers 404 \`NOT_FOUND\`; a body that cannot be read answers 400 (\`MALFORMED_JSON\`, \`UNREADABLE_BODY\`, \`UNSUPPORTED_MEDIA_TYPE\`) or 413 \`PAYLOAD_TOO_LARGE\` on any route, before routing.
- **Authentication**: \`Authorization: Bearer <API key>\`. A key has one scope: \`read\` (GET and quotes), \`ingest\` (posting usage) or \`admin\` (everything). Each operation names the scope it needs in \`${SCOPE_EXTENSION}\`.
- **Rate limits** are per API key; a 429 carries \`Retry-After\` and every keyed answer \`X-RateLimit-*\` headers.`;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * The OpenAPI document of the app: what `/docs-json` serves, what `npm run lint` lints, and what
 * the e2e contract test holds every response to. Needs the module graph only (no `init`, no
 * HTTP server, no store).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Usage billing API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addServer(
      '/',
      'The host serving this document (`npm start` serves http://localhost:3000 by default)',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description:
          'An API key from BILLING_API_KEYS, sent as `Authorization: Bearer <key>`. Its scope (read, ingest or admin) decides what it may do.',
      },
      API_KEY_SCHEME,
    )
    .addSecurityRequirements(API_KEY_SCHEME);
  const core = new Set(TAGS.map(([name]) => name));
  const tags = [...TAGS, ...describedTags().filter(([name]) => !core.has(name))];
  for (const [name, description] of tags) builder.addTag(name, description);
  const config = builder.build();
  // package.json: UNLICENSED. There is no licence text to link to (see redocly.yaml).
  config.info.license = { name: 'Proprietary (UNLICENSED): all rights reserved' };
  const document = SwaggerModule.createDocument(app, config);

  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      [ERROR_RESPONSE_SCHEMA_NAME]: ERROR_RESPONSE_SCHEMA,
    },
  };
  addDocumentRoutes(document);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeOperation(operation, method, path);
    }
  }
  return document;
}

/** `/docs` and `/docs-json` are served by SwaggerModule, not a controller: described here. */
function addDocumentRoutes(document: OpenAPIObject): void {
  const keyless = { tags: ['operations'], security: [] };
  document.paths[`/${DOCS_JSON_PATH}`] = {
    get: {
      ...keyless,
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document, as JSON',
      responses: {
        '200': {
          description: 'The OpenAPI 3.0 document',
          content: {
            'application/json': {
              schema: { type: 'object', additionalProperties: true },
              example: { openapi: '3.0.0', info: { title: 'Usage billing API', version: '1' } },
            },
          },
        },
      },
    },
  };
  document.paths[`/${DOCS_PATH}`] = {
    get: {
      ...keyless,
      operationId: 'getApiExplorer',
      summary: 'An interactive explorer (Swagger UI) for this document',
      responses: {
        '200': {
          description: 'An HTML page',
          content: {
            'text/html': { schema: { type: 'string' }, example: '<!DOCTYPE html><html>…</html>' },
          },
        },
      },
    },
  };
}

/** Keyless marking, the scope, and the error responses every operation of its kind can give. */
function completeOperation(operation: OperationObject, method: string, path: string): void {
  const responses = operation.responses as Record<string, ResponseObject>;
  if (method === 'get') {
    // Express tags JSON and text answers with an ETag and honours conditional requests.
    responses['304'] ??= {
      description: 'Not modified: the `If-None-Match` ETag still matches; no body',
    };
  }
  // `@Public()` gives `[{}]` ("no requirement"); `[]` says the same, plainly: no key at all.
  const keyless = operation.security?.every((r) => Object.keys(r).length === 0) ?? false;
  if (keyless) {
    operation.security = [];
  } else {
    const extensions = operation as unknown as Record<string, unknown>;
    const scope = (extensions[SCOPE_EXTENSION] as string | undefined) ?? defaultScope(method);
    extensions[SCOPE_EXTENSION] = scope;
    mergeErrorCodes(responses, 401, ['UNAUTHENTICATED']);
    mergeErrorCodes(
      responses,
      403,
      ['FORBIDDEN'],
      `Needs an API key of scope \`${scope}\` (or admin)`,
    );
    mergeErrorCodes(responses, 429, ['RATE_LIMITED']);
    mergeErrorCodes(responses, 503, ['STORE_UNAVAILABLE']);
  }
  if (operation.requestBody) {
    mergeErrorCodes(responses, 400, [
      'MALFORMED_JSON',
      'UNREADABLE_BODY',
      'UNSUPPORTED_MEDIA_TYPE',
      'VALIDATION_FAILED',
    ]);
    mergeErrorCodes(responses, 413, ['PAYLOAD_TOO_LARGE']);
  }
  const hasParameters = (operation.parameters ?? []).some(
    (p) => 'in' in p && (p.in === 'query' || p.in === 'path'),
  );
  if (hasParameters || /\{[^}]+\}/.test(path)) {
    mergeErrorCodes(responses, 400, ['VALIDATION_FAILED']);
  }
}
