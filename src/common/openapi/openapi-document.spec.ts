import { Body, Controller, Get, INestApplication, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../app.module';
import { loadConfig } from '../../config/configuration';
import { Public, RequireScope } from '../auth/auth.decorators';
import { ApiErrors } from './api-errors.decorator';
import { ERROR_CATALOGUE } from './error-catalogue';
import { buildOpenApiDocument } from './openapi-document';

class ThingDto {
  name: string;
}

@Controller('things')
class ThingsController {
  @Post()
  @RequireScope('ingest')
  @ApiErrors({ 400: ['INVALID_USAGE'], 409: ['EVENT_ID_CONFLICT'] })
  create(@Body() body: ThingDto) {
    return body;
  }

  @Get(':id')
  @ApiErrors({ 404: ['CUSTOMER_NOT_FOUND'] })
  get(@Param('id') id: string) {
    return { id };
  }

  @Get()
  @Public()
  list() {
    return [];
  }
}

const codes = (response: ResponseObject | undefined) =>
  Object.keys(response?.content?.['application/json']?.examples ?? {}).sort();

const operation = (doc: OpenAPIObject, path: string, method: 'get' | 'post') =>
  doc.paths[path][method] as OperationObject & Record<string, unknown>;

const responses = (op: OperationObject) => op.responses as Record<string, ResponseObject>;

describe('buildOpenApiDocument', () => {
  let app: INestApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    doc = buildOpenApiDocument(app);
  });
  afterAll(() => app.close());

  it('adds the standard errors of a keyed route with a body to its own codes', () => {
    const create = operation(doc, '/things', 'post');
    const r = responses(create);
    expect(codes(r['400'])).toEqual(
      [
        'INVALID_USAGE',
        'MALFORMED_JSON',
        'UNREADABLE_BODY',
        'UNSUPPORTED_MEDIA_TYPE',
        'VALIDATION_FAILED',
      ].sort(),
    );
    expect(codes(r['409'])).toEqual(['EVENT_ID_CONFLICT']);
    expect(codes(r['401'])).toEqual(['UNAUTHENTICATED']);
    expect(codes(r['403'])).toEqual(['FORBIDDEN']);
    expect(r['403'].description).toContain('`ingest`');
    expect(codes(r['413'])).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(codes(r['429'])).toEqual(['RATE_LIMITED']);
    expect(r['429'].headers).toHaveProperty('Retry-After');
    expect(codes(r['503'])).toEqual(['STORE_UNAVAILABLE']);
    expect(create['x-required-scope']).toBe('ingest');
    expect(create.security).toBeUndefined(); // the document-wide API key applies
  });

  it('documents 400 for path parameters, 304 for GETs and the default scope', () => {
    const get = operation(doc, '/things/{id}', 'get');
    const r = responses(get);
    expect(codes(r['400'])).toEqual(['VALIDATION_FAILED']);
    expect(codes(r['404'])).toEqual(['CUSTOMER_NOT_FOUND']);
    expect(r['304']).toBeDefined();
    expect(get['x-required-scope']).toBe('read');
  });

  it('marks keyless routes with an empty security and no key errors', () => {
    const list = operation(doc, '/things', 'get');
    expect(list.security).toEqual([]);
    expect(Object.keys(list.responses)).not.toContain('401');
    expect(Object.keys(list.responses)).not.toContain('429');
  });

  it('refers every error response to the one ErrorResponse schema, with a full example per code', () => {
    const schema = doc.components?.schemas?.ErrorResponse;
    expect(schema).toMatchObject({ required: ['statusCode', 'error', 'message', 'requestId'] });
    const conflict = responses(operation(doc, '/things', 'post'))['409'];
    const media = conflict.content!['application/json'];
    expect(media.schema).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    expect(media.examples?.EVENT_ID_CONFLICT).toMatchObject({
      value: {
        statusCode: 409,
        error: 'EVENT_ID_CONFLICT',
        message: ERROR_CATALOGUE.EVENT_ID_CONFLICT.message,
      },
    });
  });

  it('refuses a code without an example in the catalogue', () => {
    expect(() => ApiErrors({ 404: ['NO_SUCH_CODE'] })).toThrow(/ERROR_CATALOGUE/);
  });
});

describe("the app's OpenAPI document", () => {
  let app: INestApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      BILLING_RUN_CRON: 'off',
    });
    // Created, never initialised: nothing listens and nothing connects.
    app = await NestFactory.create(AppModule.forRoot(config), {
      logger: false,
      abortOnError: false,
    });
    doc = buildOpenApiDocument(app);
  });
  afterAll(() => app.close());

  it('documents both answers of the idempotent creations', () => {
    expect(Object.keys(operation(doc, '/v1/usage', 'post').responses)).toEqual(
      expect.arrayContaining(['200', '201', '409', '422', '429']),
    );
    expect(Object.keys(operation(doc, '/v1/invoices', 'post').responses)).toEqual(
      expect.arrayContaining(['200', '201']),
    );
    expect(Object.keys(operation(doc, '/v1/billing-runs', 'post').responses)).toEqual(
      expect.arrayContaining(['200', '202', '422']),
    );
  });

  it('describes the API key as a bearer API key (not a JWT) and keyless routes as keyless', () => {
    const scheme = doc.components?.securitySchemes?.['api-key'];
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'API key' });
    expect(doc.security).toEqual([{ 'api-key': [] }]);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json']) {
      expect({ path, security: operation(doc, path, 'get').security }).toEqual({
        path,
        security: [],
      });
    }
    expect(operation(doc, '/v1/webhooks/stripe', 'post').security).toEqual([]);
  });

  it('gives every operation an id, a declared tag and at least one error', () => {
    const tags = new Set((doc.tags ?? []).filter((t) => t.description).map((t) => t.name));
    const problems: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item) as [string, OperationObject][]) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.operationId || /Controller_/.test(op.operationId))
          problems.push(`${where}: operationId`);
        if (!op.tags?.every((t) => tags.has(t))) problems.push(`${where}: tag`);
        for (const [status, response] of Object.entries(responses(op))) {
          if (Number(status) >= 400 && codes(response).length === 0) {
            problems.push(`${where} ${status}: no codes`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
  });
});
