/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table's zod schemas
 * (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */
import { z } from 'zod';
import { problem } from '../../shared/schemas/api.ts';
import type { Route } from './routes.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(type: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(type, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return schema;
}

function parameters(type: z.ZodType | undefined, where: 'path' | 'query'): object[] {
  if (type === undefined) return [];
  const schema = schemaOf(type);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const problemResponse = (description: string): object => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(route: Route): object {
  return {
    operationId: `${route.method.toLowerCase()}${route.path
      .replace(/[{}]/g, '')
      .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
      .replace(/[^A-Za-z0-9]/g, '')}`,
    summary: route.summary,
    tags: [route.tag],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: false,
            content: { 'application/json': { schema: schemaOf(route.body) } },
          },
        }),
    responses: {
      '200': {
        description: 'OK',
        content: {
          'application/json': { schema: schemaOf(route.response) },
          ...(route.path === '/v1/generate'
            ? { 'application/yaml': { schema: { type: 'string' } } }
            : {}),
        },
      },
      '400': problemResponse(
        'The request is malformed: a path parameter, query parameter or body field is wrong (see errors).',
      ),
      '401': problemResponse('No authenticated caller.'),
      '403': problemResponse('The authorization policy refuses the caller this action.'),
      '404': problemResponse('The cluster, namespace or object does not exist.'),
      '409': problemResponse(
        'The change conflicts with the cluster (objects still use a waypoint, another waypoint is enrolled, a concurrent change).',
      ),
      '405': problemResponse('The path exists with other methods.'),
      '415': problemResponse('The body is not JSON.'),
      '422': problemResponse('The request is well formed but cannot be done as asked.'),
      '503': problemResponse('The cluster cannot be reached.'),
      '504': problemResponse('A wait (for a waypoint to be Programmed) timed out.'),
    },
    ...(route.public === true ? { security: [] } : { security: [{ iam: [] }, { jwt: [] }] }),
  };
}

/** The document for `routes` (GET /v1/openapi.json). */
export function openApiDocument(routes: readonly Route[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'waypointer',
      version,
      description:
        'Waypoint management for Istio ambient mesh: istioctl waypoint generate/apply/list/status/delete, enrollment of namespaces, Services and Pods, effective bindings, and a plan (dryRun) for every change.',
    },
    paths,
    components: {
      schemas: { Problem: schemaOf(problem) },
      securitySchemes: {
        iam: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS SigV4 (API Gateway IAM authorization)',
        },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}
