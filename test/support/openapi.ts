// Test helper: the operations of PosFleet's own OpenAPI document, so tests that must cover every route
// (the access matrix, the hostile-input fuzzer) notice new routes instead of silently skipping them.
import type { TestApp } from './app.ts';

/** A JSON Schema as the OpenAPI document prints it (OpenAPI 3.0: `nullable`, no `$id`s). */
export type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  additionalProperties?: boolean | JsonSchema;
};

export interface Operation {
  /** "GET /api/v1/terminals/{id}": method and the document's path, the key tests index by. */
  key: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  /** The JSON body's schema, when the operation takes one. */
  body?: JsonSchema;
  operationId?: string;
  summary?: string;
}

interface Parameter { in: string; name: string; schema: JsonSchema }
interface PathItem { operationId?: string; summary?: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }

/** The OpenAPI document as a client author downloads it (/docs/json, the same as /openapi.json). */
export async function openapiDocument(t: TestApp): Promise<{ openapi: string; paths: Record<string, Record<string, PathItem>> } & Record<string, unknown>> {
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
  if (res.statusCode !== 200) throw new Error(`GET /docs/json answered ${res.statusCode}`);
  return res.json();
}

/** Every operation of the served OpenAPI document whose path starts with one of `prefixes`. */
export async function operations(t: TestApp, prefixes: string[]): Promise<Operation[]> {
  const { paths } = await openapiDocument(t);
  const ops: Operation[] = [];
  for (const [path, items] of Object.entries(paths)) {
    if (!prefixes.some((p) => path.startsWith(p))) continue;
    for (const [method, op] of Object.entries(items)) {
      const parameters = op.parameters ?? [];
      const body = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema : undefined;
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        ...(body && { body }),
        ...(op.operationId !== undefined && { operationId: op.operationId }),
        ...(op.summary !== undefined && { summary: op.summary }),
      });
    }
  }
  return ops.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The URL of `path` with its `{param}`s filled in. Values are URL-encoded unless `raw` (for tests that
 * need bytes encodeURIComponent cannot produce, such as an encoded lone surrogate).
 */
export function fillPath(path: string, params: Record<string, string>, raw = false): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return raw ? value : encodeURIComponent(value);
  });
}
