/**
 * The local API gateway: an HTTP server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event AWS would send, invokes the real handler, and writes its response back.
 * The caller is an IAM principal (`X-Waypointer-Caller` sets it; the default is a local user).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export const LOCAL_CALLER = 'arn:aws:iam::000000000000:user/local-developer';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** A Lambda context as the runtime gives it. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const TEXT_TYPES = /^(application\/(json|problem\+json|yaml|x-www-form-urlencoded)|text\/)/;

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined)
      headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Repeated query parameters are joined with commas, as API Gateway does. */
function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search))
    query[key] = key in query ? `${query[key]},${value}` : value;
  return query;
}

/**
 * An origin-form request target (RFC 9112 §3.2.1): `/` segments of RFC 3986 `pchar`s (unreserved,
 * percent-encoded, sub-delims, `:` and `@`), then an optional query of visible ASCII (clients send
 * `[`, `]` there). Anything else (`[` in the path, a bare `%`, a fragment) is not a request API
 * Gateway would route.
 */
const ORIGIN_FORM =
  /^((?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+)(?:\?([\x21-\x22\x24-\x7e]*))?$/;

/** A request target the gateway cannot turn into an event. */
export class MalformedRequestError extends Error {
  override name = 'MalformedRequestError';
}

/**
 * The path and query of a request target, kept as sent: no dot segments resolved, no
 * percent-encoding undone (API Gateway passes `rawPath` through; the handler decodes).
 */
export function requestTarget(target: string): { path: string; query: string } {
  const match = ORIGIN_FORM.exec(target);
  if (match === null)
    throw new MalformedRequestError(
      `malformed request target ${JSON.stringify(target)}: give a path of /-separated segments, then ?query`,
    );
  return { path: match[1] ?? '/', query: match[2] ?? '' };
}

function iamAuthorizer(caller: string): object {
  return {
    iam: {
      accessKey: 'ASIALOCAL',
      accountId: '000000000000',
      callerId: 'local',
      principalOrgId: null,
      userArn: caller,
      userId: 'local',
    },
  };
}

/** The payload 2.0 event of an HTTP request. */
export function toEvent(
  request: IncomingMessage,
  body: Buffer,
  caller: string | undefined,
): APIGatewayProxyEventV2 {
  const { path, query: search } = requestTarget(request.url ?? '/');
  const headers = headersOf(request);
  const query = queryOf(search);
  const binary = !TEXT_TYPES.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  const requestContext = {
    accountId: '000000000000',
    apiId: 'local',
    domainName: headers.host ?? 'localhost',
    domainPrefix: 'local',
    http: {
      method: request.method ?? 'GET',
      path,
      protocol: 'HTTP/1.1',
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: randomUUID(),
    routeKey: '$default',
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
    ...(caller === undefined ? {} : { authorizer: iamAuthorizer(caller) }),
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: search,
    headers,
    ...(Object.keys(query).length === 0 ? {} : { queryStringParameters: query }),
    requestContext: requestContext as APIGatewayProxyEventV2['requestContext'],
    ...(body.length === 0
      ? {}
      : { body: binary ? body.toString('base64') : body.toString('utf8') }),
    isBase64Encoded: body.length > 0 && binary,
  };
}

function write(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const body =
    result.body === undefined
      ? ''
      : result.isBase64Encoded === true
        ? Buffer.from(result.body, 'base64')
        : result.body;
  response
    .writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>) })
    .end(body);
}

/** Serves `handler` on loopback; resolves with the base URL. */
export async function startGateway(
  handler: HttpHandler,
  options: { port?: number; functionName?: string } = {},
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const callerHeader = request.headers['x-waypointer-caller'];
      const caller =
        callerHeader === undefined
          ? LOCAL_CALLER
          : callerHeader === ''
            ? undefined
            : String(callerHeader);
      let event: APIGatewayProxyEventV2;
      try {
        event = toEvent(request, Buffer.concat(chunks), caller);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        response
          .writeHead(400, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail }));
        return;
      }
      handler(event, lambdaContext(options.functionName ?? 'waypointer-http-api'))
        .then((result) => write(response, result))
        .catch((error: unknown) => {
          response
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: 'Internal Server Error', error: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
