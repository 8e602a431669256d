import { randomBytes } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

export interface ApiRequest {
  method: string;
  /** Path with an optional query string: `/v1/customers?limit=5`. */
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Send the body base64-encoded, as API Gateway does for binary media. */
  base64?: boolean;
  /** requestContext.requestId (a fresh one otherwise). */
  requestId?: string;
}

/** An API Gateway HTTP API (payload format 2.0) event, as the service's route receives it. */
export function apiGatewayEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = request.path.split('?', 2);
  const headers: Record<string, string> = {
    host: 'billing.example.test',
    'user-agent': 'lambda-test',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  let body: string | undefined;
  if (request.body !== undefined) {
    const bytes = Buffer.isBuffer(request.body)
      ? request.body
      : Buffer.from(
          typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
          'utf8',
        );
    headers['content-type'] ??= 'application/json';
    body = request.base64 ? bytes.toString('base64') : bytes.toString('utf8');
  }
  const requestId = request.requestId ?? `${randomBytes(9).toString('base64')}=`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: rawQueryString
      ? Object.fromEntries(new URLSearchParams(rawQueryString))
      : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'billing.example.test',
      domainPrefix: 'billing',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'lambda-test',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: request.base64 === true && body !== undefined,
  };
}

/** A Lambda context good enough for in-process invocations. */
export function lambdaContext(functionName = 'billing-http'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomBytes(16).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The response body: JSON parsed when the response says JSON, else the text. */
export function responseBody(result: APIGatewayProxyStructuredResultV2): unknown {
  const text = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString('utf8')
    : (result.body ?? '');
  const type = String(result.headers?.['content-type'] ?? '');
  return type.includes('json') && text ? (JSON.parse(text) as unknown) : text;
}
