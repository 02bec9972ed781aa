/**
 * The HTTP API as a Lambda handler (API Gateway HTTP API, payload 2.0): middy with Powertools
 * logging, metrics and tracing, the route table's router, and problem+json errors. Each route
 * handler establishes the caller, parses its input with zod, calls one use case (which asks the
 * authorizer) and formats the result.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyResultV2,
  Context,
} from 'aws-lambda';
import { type z, z as zod } from 'zod';
import { type Policy, policyAuthorizer } from '../../shared/app/authorization.ts';
import {
  type Deadline,
  type DeadlineOptions,
  type Deps,
  deadlineBudget,
  deadlineOf,
} from '../../shared/app/deps.ts';
import type { Caller, ReconcileQueue } from '../../shared/ports.ts';
import { bodyText } from '../http-body.ts';
import { openApiDocument } from './openapi.ts';
import { fromZod, problemResponse, RequestError, toProblem } from './problems.ts';
import { type Method, ROUTES, type Route, type RouteInput, type RouteResult } from './routes.ts';

/** What the handler is built with: the use cases' ports, the authorization policy, Powertools. */
export interface HttpApiDeps extends Omit<Deps, 'authorizer'> {
  /** The policy the use cases' authorizer applies. */
  readonly policy: Policy;
  /** Where `POST .../reconcile` asks for a reconcile (the event pipeline), when deployed with it. */
  readonly queue?: ReconcileQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer?: Tracer;
  readonly version?: string;
  /**
   * How each request's time (the Lambda's remaining time) is shared out: its work stops, and it
   * answers 503 or 504, before the Lambda's timeout (defaults: shared/app/deps.ts).
   */
  readonly deadlines?: DeadlineOptions;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyResultV2;

interface AuthorizerContext {
  readonly iam?: { readonly userArn?: string };
  readonly jwt?: { readonly claims?: Record<string, string | number | boolean> };
  readonly lambda?: { readonly principalId?: string };
}

/** The caller as API Gateway's authorizer established it: an IAM principal or a JWT subject. */
export function callerOf(event: Event): Caller | undefined {
  const authorizer = (
    event as APIGatewayProxyEventV2WithRequestContext<{ authorizer?: AuthorizerContext }>
  ).requestContext.authorizer;
  const arn = authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return { id: arn, kind: 'iam' };
  const sub = authorizer?.jwt?.claims?.sub;
  if (typeof sub === 'string' && sub !== '') return { id: `jwt:${sub}`, kind: 'jwt' };
  return undefined;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, prefix: string): T {
  if (schema === undefined) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, prefix);
  return result.data;
}

function bodyOf(event: Event, route: Route): unknown {
  if (route.body === undefined) {
    if ((event.body ?? '').trim() !== '') {
      throw new RequestError(
        400,
        `${route.method} ${route.path} takes no body: give its options in the query string (e.g. ?dryRun=true)`,
        [{ path: 'body', message: 'not allowed on this route' }],
      );
    }
    return undefined;
  }
  const raw = bodyText(event);
  if (raw.trim() === '') return {};
  const type = event.headers['content-type'] ?? 'application/json';
  // Media types are case-insensitive (RFC 9110 §8.3.1): `Application/JSON` is JSON.
  if (!type.toLowerCase().includes('json'))
    throw new RequestError(
      415,
      `the request body must be JSON (Content-Type: application/json), not ${type}`,
    );
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new RequestError(400, `the request body is not valid JSON: ${(error as Error).message}`, [
      { path: 'body', message: 'not valid JSON' },
    ]);
  }
}

/** The route's own path parameters (API Gateway's `{proxy+}` route also sends `proxy`). */
function pathParametersOf(route: Route, event: Event): Record<string, string> {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const given = event.pathParameters ?? {};
  return Object.fromEntries(
    names.filter((n) => given[n] !== undefined).map((n) => [n, given[n] as string]),
  );
}

/** The route's query parameters; a route that declares none refuses every one by name. */
function queryOf(route: Route, event: Event): unknown {
  const given = event.queryStringParameters ?? {};
  if (route.query !== undefined) return parse(route.query, given, 'query');
  const names = Object.keys(given);
  if (names.length > 0) {
    throw new RequestError(
      400,
      `${route.method} ${route.path} takes no query parameters: ${names.join(', ')}`,
      [{ path: 'query', message: `unknown field(s): ${names.join(', ')}` }],
    );
  }
  return {};
}

function inputOf(
  route: Route,
  event: Event,
  caller: Caller,
  deadline: Deadline | undefined,
): RouteInput<unknown, unknown, unknown> {
  return {
    caller,
    ...(deadline === undefined ? {} : { deadline }),
    params: parse(route.params, pathParametersOf(route, event), 'path'),
    query: queryOf(route, event),
    body: parse(route.body, bodyOf(event, route), 'body'),
    accept: event.headers.accept ?? 'application/json',
  };
}

function respond(result: RouteResult): Result {
  const contentType = result.contentType ?? 'application/json';
  const body =
    contentType === 'application/json' ? JSON.stringify(result.body) : String(result.body);
  return { statusCode: result.status, headers: { 'content-type': contentType }, body };
}

/** The caller of a public route called without authentication: every action is refused to it. */
const ANONYMOUS: Caller = { id: '', kind: 'local' };

/**
 * The request's deadline: the Lambda's remaining time less a margin (none without a Lambda
 * context), ended early by middy at the Lambda's timeout or by `answered`.
 */
function deadlineFor(
  deps: HttpApiDeps,
  context: Context | undefined,
  answered: AbortSignal,
  timedOut: AbortSignal | undefined,
): Deadline | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  const budget = deadlineBudget(context.getRemainingTimeInMillis(), deps.deadlines);
  return deadlineOf(budget, answered, ...(timedOut === undefined ? [] : [timedOut]));
}

/**
 * A route's handler; the router passes on middy's third argument, `{ signal }`, which aborts at the
 * Lambda's timeout (typed `unknown`: the router's types name it a callback).
 */
type RouteHandler = (event: Event, context: Context, options?: unknown) => Promise<Result>;

function middySignal(options: unknown): AbortSignal | undefined {
  const signal = (options as { signal?: unknown } | undefined)?.signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

function routeHandler(route: Route, deps: HttpApiDeps & Deps): RouteHandler {
  return async (event, context, options) => {
    const caller = callerOf(event);
    if (route.public !== true && caller === undefined) {
      throw new RequestError(
        401,
        'no authenticated caller: call the API through API Gateway with IAM or JWT authorization',
      );
    }
    // Once the request is answered (or failed), whatever it started stops: nothing more is sent.
    const answered = new AbortController();
    try {
      const deadline = deadlineFor(deps, context, answered.signal, middySignal(options));
      const input = inputOf(route, event, caller ?? ANONYMOUS, deadline);
      deps.logger.appendKeys({ route: `${route.method} ${route.path}`, caller: caller?.id });
      return respond(await route.run(deps, input));
    } finally {
      answered.abort();
    }
  };
}

/** Errors become problem+json; server errors are logged with their cause, never shown. */
function problems(deps: HttpApiDeps): MiddlewareObj<Event, Result> {
  return {
    onError: async (request) => {
      const { problem, serverError } = toProblem(request.error, request.event.rawPath);
      if (serverError) deps.logger.error('request failed', { error: request.error as Error });
      deps.metrics.addMetric(
        problem.status >= 500 ? 'ServerErrors' : 'ClientErrors',
        MetricUnit.Count,
        1,
      );
      request.response = problemResponse(problem);
    },
  };
}

/** The route for `method path` exists with another method: 405, else 404. */
function notFound(routes: readonly Route[]): (input: { method: string; path: string }) => never {
  return ({ method, path }) => {
    const pattern = (p: string): RegExp => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const allowed = routes.filter((r) => pattern(r.path).test(path)).map((r) => r.method);
    if (allowed.length > 0)
      throw new RequestError(
        405,
        `${method} is not allowed on ${path}; use ${[...new Set(allowed)].join(', ')}`,
      );
    throw new RequestError(404, `no route for ${method} ${path}; see GET /v1/openapi.json`);
  };
}

/** The API's route table, with the OpenAPI document route built from it. */
export function allRoutes(version: string): Route[] {
  const openapi: Route = {
    method: 'GET',
    path: '/v1/openapi.json',
    tag: 'meta',
    public: true,
    summary: 'This OpenAPI 3.1 document',
    response: zod.record(zod.string(), zod.unknown()),
    run: () => ({ status: 200, body: openApiDocument(routes, version) }),
  };
  const routes = [...ROUTES, openapi];
  return routes;
}

/**
 * Builds the handler.
 *
 * @example
 * export const handler = createHttpApi({ clusters, policy, logger, metrics, tracer });
 */
export function createHttpApi(deps: HttpApiDeps): middy.MiddyfiedHandler<Event, Result> {
  const routes = allRoutes(deps.version ?? '0.1.0');
  const useCaseDeps = { ...deps, authorizer: policyAuthorizer(deps.policy) };
  const router = httpRouterHandler<Event, Result>({
    routes: routes.map((route) => ({
      method: route.method as Method,
      path: route.path,
      handler: routeHandler(route, useCaseDeps),
    })),
    notFoundResponse: notFound(routes),
  });
  const handler = middy<Event, Result>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics));
  if (deps.tracer !== undefined) handler.use(captureLambdaHandler(deps.tracer));
  return handler.use(problems(deps)).handler(async (event, context, options) => {
    deps.metrics.addMetric('Requests', MetricUnit.Count, 1);
    return router(event, context, options) as Promise<Result>;
  });
}
