import type { ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ERROR_CATALOGUE } from './error-catalogue';

/** The one error body of DESIGN §4, a component every error response refers to. */
export const ERROR_RESPONSE_SCHEMA_NAME = 'ErrorResponse';
export const ERROR_RESPONSE_REF = `#/components/schemas/${ERROR_RESPONSE_SCHEMA_NAME}`;

export const ERROR_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'Every 4xx and 5xx answer. Branch on `error`, a stable code; `message` is for people and may change.',
  required: ['statusCode', 'error', 'message', 'requestId'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
    error: {
      type: 'string',
      pattern: '^[A-Z][A-Z0-9_]*$',
      description: 'A stable code; each response lists the codes it can carry in its examples',
      example: 'CUSTOMER_NOT_FOUND',
    },
    message: { type: 'string', minLength: 1, example: 'Customer acme not found' },
    details: {
      type: 'object',
      additionalProperties: true,
      description:
        'Depends on the code. Validation errors (`VALIDATION_FAILED`, `INVALID_USAGE`, `INVALID_PLAN`) list each bad field in `fields`.',
      properties: {
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'messages'],
            additionalProperties: false,
            properties: {
              field: {
                type: 'string',
                description: 'Path of the field, e.g. `events[3].quantity`',
                example: 'email',
              },
              messages: {
                type: 'array',
                items: { type: 'string' },
                example: ['email must be an email'],
              },
            },
          },
        },
      },
      example: { fields: [{ field: 'email', messages: ['email must be an email'] }] },
    },
    requestId: {
      type: 'string',
      description: 'Also sent as the `x-request-id` header; quote it when reporting a problem',
      example: '0b6f3c1e-8a52-4d5e-9a51-2f1f2f6c9e10',
    },
  },
};

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or invalid',
  401: 'No API key, or not a valid one',
  402: 'Not enough prepaid credit',
  403: "The API key's scope does not allow this operation",
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'The request body is too large',
  422: 'Well-formed, but not allowed',
  429: 'Too many requests',
  500: 'Unexpected error (a bug)',
  503: 'A dependency is unavailable; retry later',
};

/** Statuses whose answer carries `Retry-After` (seconds). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * An error response listing the codes it carries, one named example per code (the name is the
 * code), so a client and a reader see exactly what to branch on.
 */
export function errorResponse(
  status: number,
  codes: readonly string[],
  note?: string,
): ResponseObject {
  const unique = [...new Set(codes)];
  const examples = Object.fromEntries(
    unique.map((code) => {
      const example = ERROR_CATALOGUE[code];
      if (!example) {
        throw new Error(`Error code ${code} has no entry in ERROR_CATALOGUE (error-catalogue.ts)`);
      }
      return [
        code,
        {
          summary: code,
          value: {
            statusCode: status,
            error: code,
            message: example.message,
            ...(example.details ? { details: example.details } : {}),
            requestId: '0b6f3c1e-8a52-4d5e-9a51-2f1f2f6c9e10',
          },
        },
      ];
    }),
  );
  const list = unique.map((c) => `\`${c}\``).join(', ');
  return {
    description: `${note ?? STATUS_TEXT[status] ?? 'Error'}: ${list}`,
    ...(RETRY_AFTER_STATUSES.has(status)
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds to wait before retrying',
              schema: { type: 'integer', minimum: 1, example: 5 },
            },
          },
        }
      : {}),
    content: { 'application/json': { schema: { $ref: ERROR_RESPONSE_REF }, examples } },
  };
}

/** The codes a documented error response lists (the names of its examples). */
export function codesOf(response: ResponseObject): string[] {
  return Object.keys(response.content?.['application/json']?.examples ?? {});
}

/**
 * Adds codes to an operation's error response for `status`, creating it when missing; the
 * description keeps its own wording and lists every code.
 */
export function mergeErrorCodes(
  responses: Record<string, ResponseObject>,
  status: number,
  codes: readonly string[],
  note?: string,
): void {
  const existing = responses[status];
  const merged = [...new Set([...(existing ? codesOf(existing) : []), ...codes])];
  // An existing response keeps its wording (the text before the list of codes).
  const existingNote = existing?.description.replace(/: [^:]*$/, '');
  responses[status] = errorResponse(status, merged, existingNote || note);
}
