import type TestAgent from 'supertest/lib/agent';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON schema as @nestjs/swagger emits it (only the parts the tests read). */
export interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  example?: unknown;
  nullable?: boolean;
  allOf?: Schema[];
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}

export interface Route {
  method: HttpMethod;
  /** OpenAPI template, e.g. `/v1/customers/{id}`. */
  template: string;
  /** `GET /v1/customers/{id}`: how tables in the tests name a route. */
  key: string;
  tag: string;
  pathParams: string[];
  queryParams: Parameter[];
  headerParams: Parameter[];
  /** The JSON body schema (resolved), when the route documents one. */
  body?: Schema;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface OpenApiOperation {
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Replaces `$ref`s (and single-element `allOf`s) by the schemas they name, recursively. */
export function resolveSchema(
  schema: Schema | undefined,
  components: Record<string, Schema>,
  depth = 0,
): Schema | undefined {
  if (!schema || depth > 8) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(components[name], components, depth + 1);
  }
  if (schema.allOf?.length === 1) return resolveSchema(schema.allOf[0], components, depth + 1);
  const out: Schema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        resolveSchema(v, components, depth + 1) ?? {},
      ]),
    );
  }
  if (schema.items) out.items = resolveSchema(schema.items, components, depth + 1);
  return out;
}

/** Every operation of the app's OpenAPI document, so new routes are covered without edits. */
export async function routesFromOpenApi(http: TestAgent): Promise<Route[]> {
  const res = await http.get('/docs-json');
  if (res.status !== 200) throw new Error(`/docs-json answered ${res.status}`);
  const doc = res.body as OpenApiDocument;
  const components = doc.components?.schemas ?? {};
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      const parameters = op.parameters ?? [];
      const upper = method.toUpperCase() as HttpMethod;
      routes.push({
        method: upper,
        template,
        key: `${upper} ${template}`,
        tag: op.tags?.[0] ?? 'untagged',
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        queryParams: parameters.filter((p) => p.in === 'query'),
        headerParams: parameters.filter((p) => p.in === 'header'),
        body: resolveSchema(op.requestBody?.content?.['application/json']?.schema, components),
      });
    }
  }
  return routes;
}

/** Fills a template's `{param}`s; values are inserted as given (encode them first). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}
