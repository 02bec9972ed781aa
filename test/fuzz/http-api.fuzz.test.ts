/**
 * Any request on any route of the HTTP API: path parameters, query strings, bodies, methods and
 * headers drawn near valid ones and far from them, through the handler (API Gateway's event) and
 * through the local gateway over real HTTP, on the embedded cluster. Never a 5xx (but a 504 for a
 * `wait` that ran out of time), never a crash; every error is a problem+json naming its status.
 * Raw bytes over TCP to the gateway: never a 5xx, and the gateway keeps serving.
 */
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type HttpHandler, lambdaContext, startGateway } from '@waypointer/local-stack';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes, createHttpApi } from '../../functions/http-api/app.ts';
import type { Route } from '../../functions/http-api/routes.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE } from '../../shared/app/authorization.ts';
import { editedJson, nastyJson, nastyString } from '../support/arbitraries.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';
import { fuzzParameters, timeLimit } from './runs.ts';

/**
 * Each request's Lambda time limit: a `wait` ends in a 504 within seconds rather than 90 s, and a
 * request that does not wait has time to spare on a loaded machine (its own work stops a second
 * before the limit, and a third of the rest is kept for putting back a failed mutation).
 */
const LAMBDA_MS = 8_000;

let local: Awaited<ReturnType<typeof cluster>>;
let handler: HttpHandler;
/** The same API over a client that pages lists by 2 and gives up on a request after 200 ms. */
let flaky: HttpHandler;
let url: string;
let server: Server;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  local = await cluster();
  const logger = new Logger({ serviceName: 'waypointer', logLevel: 'SILENT' });
  const api = createHttpApi({
    clusters: new StaticClusterRegistry({
      local: new KubernetesCluster(kubeConfigOf(local), {
        pollIntervalMs: 20,
        baseDelayMs: 5,
        maxDelayMs: 20,
      }),
    }),
    policy: LOCAL_PERMISSIVE,
    logger,
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer', logger }),
  });
  handler = (event) => api(event, lambdaContext('waypointer-http-api', LAMBDA_MS));
  const paged = createHttpApi({
    clusters: new StaticClusterRegistry({
      local: new KubernetesCluster(kubeConfigOf(local), {
        pollIntervalMs: 20,
        baseDelayMs: 5,
        maxDelayMs: 20,
        pageSize: 2,
        requestTimeoutMs: 200,
      }),
    }),
    policy: LOCAL_PERMISSIVE,
    logger,
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer', logger }),
  });
  flaky = (event) => paged(event, lambdaContext('waypointer-http-api', LAMBDA_MS));
  ({ url, server } = await startGateway(handler));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await local?.stop();
});

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

/** Values of each path parameter that exist in Bookinfo (or nearly: a waypoint not yet applied). */
const KNOWN: Record<string, readonly string[]> = {
  cluster: ['local'],
  namespace: ['default', 'default', 'istio-system', 'team-a'],
  name: ['waypoint', 'reviews-svc-waypoint', 'w1'],
  service: ['reviews', 'ratings', 'missing'],
  pod: ['reviews-v1-6584ddcf65-qv7rn', 'reviews-v2-6f85cb9b7c-9jbd8', 'missing'],
};

/** A path parameter: a known value, or anything (percent-encoded or not). */
function param(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...(KNOWN[name] ?? ['x'])) },
    { weight: 1, arbitrary: nastyString.map((v) => encodeURIComponent(v.toWellFormed())) },
    { weight: 1, arbitrary: nastyString },
  );
}

const QUERY_NAMES = [
  'dryRun',
  'selector',
  'namespace',
  'wait',
  'timeoutSeconds',
  'limit',
  'cursor',
  'unenroll',
  'force',
] as const;

const queryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('true', 'false') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '1',
      '0',
      '',
      'app=reviews',
      'version in (v1,v2)',
      '!!',
      '5',
      'default',
    ),
  },
  { weight: 1, arbitrary: nastyString },
);

/** A query string: mostly the route's own parameters, sometimes others or anything. */
function queryFor(route: Route): fc.Arbitrary<[string, string][]> {
  const own = Object.keys((route.query as { shape?: object } | undefined)?.shape ?? {});
  const name = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...(own.length > 0 ? own : QUERY_NAMES)) },
    { weight: 1, arbitrary: fc.constantFrom(...QUERY_NAMES) },
    { weight: 1, arbitrary: nastyString },
  );
  return fc.array(fc.tuple(name, queryValue), { maxLength: own.length > 0 ? 3 : 1 });
}

/** Valid bodies of the routes that take one. */
const BODIES = {
  apply: { enrollNamespace: true, wait: true, timeoutSeconds: 1, overwrite: true },
  applyWorkload: { for: 'workload', revision: 'canary', dryRun: true },
  enroll: { waypoint: 'waypoint', waypointNamespace: 'default', overwrite: true, force: false },
  generate: { namespace: 'default', name: 'waypoint', for: 'service' },
} as const;

function validBodies(path: string): readonly object[] {
  if (path.endsWith('/enrollment')) return [BODIES.enroll];
  if (path.endsWith('/waypoints/{name}')) return [BODIES.apply, BODIES.applyWorkload];
  if (path === '/v1/generate') return [BODIES.generate];
  return Object.values(BODIES);
}

/** A body: a valid one edited, any JSON, any text, or none (mostly none where none is taken). */
function bodyFor(route: Route | undefined): fc.Arbitrary<string | undefined> {
  const takes = route === undefined || route.body !== undefined;
  return fc.oneof(
    { weight: takes ? 2 : 30, arbitrary: fc.constant(undefined) },
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(...validBodies(route?.path ?? ''))
        .chain((b) => editedJson(b, 2).map((doc) => JSON.stringify(doc))),
    },
    { weight: 1, arbitrary: nastyJson.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: nastyString },
  );
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: [string, string][];
  readonly body: string | undefined;
  readonly contentType: string;
  readonly accept: string;
  readonly anonymous: boolean;
}

/** Every route the handler serves, the OpenAPI document's included. */
const ROUTES = allRoutes('0.1.0');

const request: fc.Arbitrary<Request> = fc
  .constantFrom(...ROUTES)
  .chain((route) =>
    fc.record({
      route: fc.constant(route),
      params: fc.record({
        cluster: param('cluster'),
        namespace: param('namespace'),
        name: param('name'),
        service: param('service'),
        pod: param('pod'),
      }),
      otherMethod: fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      query: queryFor(route),
      body: bodyFor(route),
      contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', ''),
      accept: fc.constantFrom('application/json', 'application/yaml', '*/*', 'text/html'),
      anonymous: fc.nat(19).map((n) => n === 0),
    }),
  )
  .map(({ route, params, otherMethod, ...rest }) => {
    const values = params as Record<string, string>;
    const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? name);
    return { method: otherMethod ?? route.method, path, ...rest };
  });

/** API Gateway's payload 2.0 event for a request (repeated query names joined by commas). */
function eventOf(r: Request): APIGatewayProxyEventV2 {
  const search = new URLSearchParams(r.query).toString();
  const parameters: Record<string, string> = {};
  for (const [k, v] of r.query) parameters[k] = k in parameters ? `${parameters[k]},${v}` : v;
  const headers: Record<string, string> = { accept: r.accept };
  if (r.contentType !== '') headers['content-type'] = r.contentType;
  const http = { method: r.method, path: r.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: r.path,
    rawQueryString: search,
    headers,
    ...(r.query.length === 0 ? {} : { queryStringParameters: parameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'local',
      http: { ...http, userAgent: 'fuzz' },
      requestId: 'fuzz',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(r.anonymous
        ? {}
        : { authorizer: { iam: { userArn: 'arn:aws:iam::000000000000:user/fuzz' } } }),
    } as APIGatewayProxyEventV2['requestContext'],
    ...(r.body === undefined ? {} : { body: r.body }),
    isBase64Encoded: false,
  };
}

/** The oracle: no 5xx but a timed-out wait's 504; errors are problem+json with their status. */
function expectAnswer(r: Request, status: number, type: string, text: string): void {
  const waited = JSON.stringify(r).includes('wait');
  const allowed = status < 500 || (status === 504 && waited);
  expect(allowed, `${r.method} ${r.path} answered ${status}: ${text.slice(0, 300)}`).toBe(true);
  if (status >= 400 && r.method !== 'HEAD') {
    expect(type).toBe('application/problem+json');
    expect(JSON.parse(text)).toMatchObject({ status, detail: expect.any(String) });
  }
}

/** The request over HTTP with fetch; undefined when fetch refuses to send it. */
async function send(r: Request): Promise<Response | undefined> {
  const search = new URLSearchParams(r.query).toString();
  const target = `${url}${r.path}${search === '' ? '' : `?${search}`}`;
  const headers: Record<string, string> = { accept: r.accept };
  if (r.contentType !== '') headers['content-type'] = r.contentType;
  if (r.anonymous) headers['x-waypointer-caller'] = '';
  const bodyless = r.body === undefined || r.method === 'GET' || r.method === 'HEAD';
  try {
    return await fetch(target, {
      method: r.method,
      headers,
      ...(bodyless ? {} : { body: r.body }),
    });
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

describe('the HTTP API on any request', () => {
  it(
    'answers through the handler with a status below 500 and a problem for every error',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const result = (await handler(
            eventOf(r),
            lambdaContext('waypointer-http-api', LAMBDA_MS),
          )) as APIGatewayProxyStructuredResultV2;
          const type = String(result.headers?.['content-type'] ?? '');
          expectAnswer(r, result.statusCode ?? 200, type, result.body ?? '');
        }),
        fuzzParameters(200),
      );
    },
    timeLimit(200, 60),
  );

  it(
    'answers over HTTP through the local gateway with a status below 500',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const response = await send(r);
          // fetch itself refuses some URLs, methods and headers: nothing reached the gateway.
          if (response === undefined) return;
          const text = await response.text();
          expectAnswer(r, response.status, response.headers.get('content-type') ?? '', text);
        }),
        fuzzParameters(200),
      );
    },
    timeLimit(200, 60),
  );
});

describe('the HTTP API on any request while the cluster fails', () => {
  it(
    'answers below 500, or 503 or 504, when 20% of API server requests fail (500, 429, stall, 410)',
    async () => {
      local.server.faults.configure({
        rate: 0.2,
        seed: 7,
        kinds: ['500', '429', 'stall', '410'],
        retryAfterSeconds: 0,
        stallMs: 400,
      });
      try {
        await fc.assert(
          fc.asyncProperty(request, async (r) => {
            const result = (await flaky(
              eventOf(r),
              lambdaContext('waypointer-http-api', LAMBDA_MS),
            )) as APIGatewayProxyStructuredResultV2;
            const status = result.statusCode ?? 200;
            const text = result.body ?? '';
            const allowed = status < 500 || status === 503 || status === 504;
            expect(allowed, `${r.method} ${r.path} answered ${status}: ${text}`).toBe(true);
            if (status >= 400) expect(JSON.parse(text)).toMatchObject({ status });
          }),
          fuzzParameters(100),
        );
      } finally {
        local.server.faults.configure({ rate: 0 });
      }
    },
    timeLimit(100, 300),
  );
});

/** `application/json` spelt in any case, with or without parameters (RFC 9110 §8.3.1). */
const jsonMediaType: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    fc.constantFrom('', '; charset=utf-8', ';charset=UTF-8', ' ; Charset="utf-8"'),
  )
  .map(([upper, parameters]) => {
    const spelt = [...'application/json'].map((c, i) => (upper[i] ? c.toUpperCase() : c));
    return `${spelt.join('')}${parameters}`;
  });

describe('the HTTP API on JSON in any spelling', () => {
  it(
    'reads a body as JSON whatever the case of its media type',
    async () => {
      await fc.assert(
        fc.asyncProperty(jsonMediaType, async (contentType) => {
          const result = (await handler(
            eventOf({
              method: 'POST',
              path: '/v1/generate',
              query: [],
              body: JSON.stringify(BODIES.generate),
              contentType,
              accept: 'application/json',
              anonymous: false,
            }),
            lambdaContext('waypointer-http-api', LAMBDA_MS),
          )) as APIGatewayProxyStructuredResultV2;
          expect(result.statusCode, `${contentType}: ${result.body}`).toBe(200);
        }),
        fuzzParameters(50),
      );
    },
    timeLimit(50, 20),
  );
});

/** A raw HTTP/1.1 request, possibly malformed anywhere. */
const rawRequest: fc.Arbitrary<Buffer> = fc
  .record({
    method: fc.oneof(fc.constantFrom(...METHODS), nastyString),
    target: fc.oneof(
      request.map((r) => r.path),
      fc.constantFrom('/healthz', '*', 'http://x/healthz', '/%', '/a b', '//', '/?', ''),
      nastyString,
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', '', 'http/1.1'),
    headers: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('content-type', 'content-length', 'transfer-encoding'),
          nastyString,
        ),
        fc.oneof(fc.constantFrom('application/json', '5', '-1', 'chunked', '1e3'), nastyString),
      ),
      { maxLength: 4 },
    ),
    body: fc.oneof(
      fc.constant(''),
      nastyString,
      bodyFor(undefined).map((b) => b ?? ''),
    ),
    eol: fc.constantFrom('\r\n', '\n', '\r'),
  })
  .map(({ method, target, version, headers, body: text, eol }) => {
    const lines = [`${method} ${target} ${version}`, 'host: localhost'];
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    lines.push('connection: close');
    return Buffer.from(`${lines.join(eol)}${eol}${eol}${text}`, 'utf8');
  });

/** Sends bytes, half-closes, and returns what came back within a second. */
function exchange(bytes: Buffer): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.setTimeout(1_000, done);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('connect', () => socket.end(bytes));
  });
}

describe('the local gateway on any bytes', () => {
  it(
    'never answers 5xx to a raw request and keeps serving',
    async () => {
      await fc.assert(
        fc.asyncProperty(rawRequest, async (bytes) => {
          const answer = await exchange(bytes);
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
          if (status !== undefined) {
            const waited = bytes.toString('utf8').includes('wait');
            const code = Number(status);
            expect(code < 500 || (code === 504 && waited), answer.slice(0, 300)).toBe(true);
          }
          const health = await fetch(`${url}/healthz`);
          expect(health.status).toBe(200);
          await health.text();
        }),
        fuzzParameters(200),
      );
    },
    timeLimit(200, 60),
  );
});
