/**
 * The local API gateway over real HTTP: each request becomes the payload 2.0 event API Gateway
 * sends, the handler's result becomes the response, and no request can stop the server.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CALLER, startGateway } from '../src/gateway.ts';

const events: APIGatewayProxyEventV2[] = [];
let answer: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2> = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
});
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway(async (event) => {
    events.push(event);
    return answer(event);
  });
});
afterAll(async () => {
  await new Promise((resolve) => gateway.server.close(resolve));
});

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  method: string,
  path: string,
  options: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(gateway.url);
    const req = httpRequest(
      { hostname, port, path, method, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A request line written as is, bypassing every client's own URL checks. */
function rawRequest(line: string): Promise<string> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.end(`${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function last(): APIGatewayProxyEventV2 {
  const event = events.at(-1);
  if (event === undefined) throw new Error('the handler was not called');
  return event;
}

describe('the payload 2.0 event', () => {
  it('carries the method, path, raw query and repeated parameters joined by commas', async () => {
    const reply = await send('GET', '/v1/clusters/local/bindings?limit=2&a=1&a=2');
    expect([reply.status, reply.body]).toEqual([200, '{"ok":true}']);
    const event = last();
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.requestContext.http.method).toBe('GET');
    expect(event.rawPath).toBe('/v1/clusters/local/bindings');
    expect(event.rawQueryString).toBe('limit=2&a=1&a=2');
    expect(event.queryStringParameters).toEqual({ limit: '2', a: '1,2' });
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes a JSON body as text and any other body base64-encoded', async () => {
    await send('PUT', '/x', { body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect([last().body, last().isBase64Encoded]).toEqual(['{"a":1}', false]);
    const bytes = Buffer.from([0, 255, 1, 2]);
    await send('POST', '/x', {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect([last().body, last().isBase64Encoded]).toEqual([bytes.toString('base64'), true]);
  });

  it('names the local IAM caller, another one from X-Waypointer-Caller, or none when it is empty', async () => {
    const userArn = (): unknown =>
      (last().requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam
        ?.userArn;
    await send('GET', '/x');
    expect(userArn()).toBe(LOCAL_CALLER);
    const alice = 'arn:aws:iam::000000000000:user/alice';
    await send('GET', '/x', { headers: { 'x-waypointer-caller': alice } });
    expect(userArn()).toBe(alice);
    await send('GET', '/x', { headers: { 'x-waypointer-caller': '' } });
    expect((last().requestContext as { authorizer?: unknown }).authorizer).toBeUndefined();
  });

  it('passes an unusual but well-formed target through as sent', async () => {
    await send('GET', '//:@?a[]=1');
    expect([last().rawPath, last().requestContext.http.path, last().rawQueryString]).toEqual([
      '//:@',
      '//:@',
      'a[]=1',
    ]);
  });

  it('keeps encoded dot segments as they were sent, as API Gateway does', async () => {
    await send('PUT', '/v1/clusters/local/namespaces/default/services/%2e%2e/enrollment');
    expect(last().rawPath).toBe('/v1/clusters/local/namespaces/default/services/%2e%2e/enrollment');
  });
});

describe('the response', () => {
  it('is the handler result: status, headers, a base64 body decoded', async () => {
    answer = async () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/yaml', 'x-extra': 'y' },
      body: Buffer.from('a: 1\n').toString('base64'),
      isBase64Encoded: true,
    });
    const reply = await send('GET', '/x');
    expect([
      reply.status,
      reply.headers['content-type'],
      reply.headers['x-extra'],
      reply.body,
    ]).toEqual([201, 'application/yaml', 'y', 'a: 1\n']);
  });

  it('is 200 JSON when the handler returns a bare string', async () => {
    answer = async () => '{"bare":true}';
    const reply = await send('GET', '/x');
    expect([reply.status, reply.headers['content-type'], reply.body]).toEqual([
      200,
      'application/json',
      '{"bare":true}',
    ]);
  });

  it('is 502 when the handler throws, as API Gateway answers for a failed invocation', async () => {
    answer = async () => {
      throw new Error('boom');
    };
    const reply = await send('GET', '/x');
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body).message).toBe('Internal Server Error');
  });
});

describe('malformed requests', () => {
  it.each([
    'GET //[ HTTP/1.1',
    'GET //a:b@[::1 HTTP/1.1',
    'GET /a%zz HTTP/1.1',
    'GET /a?b#c HTTP/1.1',
  ])('%s is a 400 problem and the gateway keeps serving', async (line) => {
    const before = events.length;
    const text = await rawRequest(line);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('content-type: application/problem+json');
    expect(events.length).toBe(before);
    answer = async () => ({ statusCode: 200, body: 'still here' });
    expect((await send('GET', '/healthz')).body).toBe('still here');
  });
});
