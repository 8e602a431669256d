export { ApiTag } from './api-tag.decorator';
export { ApiErrors, type ErrorStatus } from './api-errors.decorator';
export { ERROR_CATALOGUE } from './error-catalogue';
export { ERROR_RESPONSE_SCHEMA, ERROR_RESPONSE_SCHEMA_NAME } from './error-responses';
export { buildOpenApiDocument, DOCS_JSON_PATH, DOCS_PATH } from './openapi-document';
