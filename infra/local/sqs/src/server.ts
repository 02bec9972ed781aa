/**
 * The embedded SQS endpoint: both protocols Amazon SQS speaks, over plain HTTP on loopback, so
 * that the real `@aws-sdk/client-sqs`, the `aws` CLI (v1, v2, and older versions whose SQS model
 * is the query protocol) and other SQS clients work against it unchanged:
 *
 * ```ts
 * const sqs = new SqsServer();
 * const endpoint = await sqs.start();
 * const client = new SQSClient({
 *   endpoint,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
 * });
 * ```
 *
 * - AWS JSON 1.0: `POST /` with `Content-Type: application/x-amz-json-1.0` and
 *   `X-Amz-Target: AmazonSQS.<Operation>`; errors carry the HTTP status, the
 *   `{"__type", "message"}` body and the `x-amzn-query-error` header of the service.
 * - Query: a form-encoded POST (or a GET) of `Action=<Operation>&Version=2012-11-05&...` to the
 *   endpoint or to a queue URL, answered in XML (`query.ts`).
 *
 * Both run the same {@link SqsService}. Any region and credentials are accepted: signatures are
 * not verified.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errors, SqsError } from './errors.ts';
import { parseInput } from './input.ts';
import { decodeQuery, encodeQueryError, encodeQueryResult, queryParameters } from './query.ts';
import { SqsService } from './service.ts';

export { SqsError } from './errors.ts';
export { type Output, SqsService, type SqsServiceOptions } from './service.ts';

/** Options of the embedded SQS endpoint. */
export interface SqsServerOptions {
  /** The clock, epoch milliseconds (default `Date.now`): visibility, delays, deduplication. */
  readonly now?: () => number;
  /** The region of queue ARNs (default `us-east-1`). */
  readonly region?: string;
  /** The account of queue URLs and ARNs (default `000000000000`). */
  readonly accountId?: string;
  /** The interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const XML_CONTENT_TYPE = 'text/xml';
/** Far above any valid request: a 1 MiB batch with every character escaped in JSON. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_REQUEST_BYTES) reject(errors.serialization('Request body is too large.'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

/**
 * A request of the query protocol: no `X-Amz-Target`, and a GET or a form-encoded POST. Anything
 * else is read as the JSON protocol (and refused there when it is not a JSON request either).
 */
function isQueryRequest(request: IncomingMessage): boolean {
  if (request.headers['x-amz-target'] !== undefined) return false;
  if (request.method === 'GET') return true;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return request.method === 'POST' && type === FORM_CONTENT_TYPE;
}

function asSqsError(error: unknown): SqsError {
  if (error instanceof SqsError) return error;
  return new SqsError(
    'com.amazon.coral.service#InternalFailure',
    'InternalFailure',
    500,
    error instanceof Error ? error.message : String(error),
    false,
  );
}

function operationOf(request: IncomingMessage): string {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const target = request.headers['x-amz-target'];
  if (
    request.method !== 'POST' ||
    type !== CONTENT_TYPE ||
    typeof target !== 'string' ||
    !target.startsWith(TARGET_PREFIX)
  ) {
    throw errors.unknownOperation();
  }
  return target.slice(TARGET_PREFIX.length);
}

/**
 * The embedded SQS endpoint.
 *
 * @example
 * ```ts
 * const sqs = new SqsServer({ now: () => clock });
 * const endpoint = await sqs.start(); // 'http://127.0.0.1:41234'
 * sqs.queueUrl('jobs.fifo'); // 'http://127.0.0.1:41234/000000000000/jobs.fifo'
 * await sqs.stop();
 * ```
 */
export class SqsServer {
  /** The service behind the endpoint, for callers in the same process. */
  readonly service: SqsService;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #url: string | undefined;
  #stopping = false;

  /**
   * @example
   * ```ts
   * const sqs = new SqsServer({ now: () => Date.now() + offset });
   * ```
   */
  constructor(options: SqsServerOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.service = new SqsService({
      ...(options.now !== undefined ? { now: options.now } : {}),
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
      endpoint: () => this.url,
    });
  }

  /**
   * The endpoint URL, e.g. `http://127.0.0.1:41234` (throws before {@link start}).
   *
   * @example
   * ```ts
   * new SQSClient({ endpoint: sqs.url });
   * ```
   */
  get url(): string {
    if (this.#url === undefined) throw new Error('The embedded SQS endpoint is not started');
    return this.#url;
  }

  /**
   * Listens on loopback; resolves to the endpoint URL.
   *
   * @example
   * ```ts
   * const endpoint = await sqs.start(0); // any free port
   * ```
   */
  async start(port = 0): Promise<string> {
    if (this.#stopping) throw new Error('The embedded SQS endpoint was stopped');
    if (this.#url !== undefined) return this.#url;
    const server = createServer((request, response) => {
      void this.#handle(request, response);
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${host}:${address.port}`;
    return this.#url;
  }

  /**
   * Ends waiting long polls with no messages, answers requests under way and closes. A stopped
   * endpoint cannot be started again.
   *
   * @example
   * ```ts
   * await sqs.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.service.close();
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    // Let the answers to ended long polls go out (with `Connection: close`), close idle
    // keep-alive connections, and drop whatever is still open after a second.
    const force = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, 1000);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      setImmediate(() => server.closeIdleConnections());
    });
    clearTimeout(force);
  }

  /**
   * The URL of a queue (whether or not it exists).
   *
   * @example
   * ```ts
   * sqs.queueUrl('reconcile-requests.fifo');
   * ```
   */
  queueUrl(name: string): string {
    return this.service.queueUrl(name);
  }

  /**
   * The ARN of a queue (whether or not it exists).
   *
   * @example
   * ```ts
   * sqs.queueArn('reconcile-requests-dlq.fifo');
   * ```
   */
  queueArn(name: string): string {
    return this.service.queueArn(name);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const aborted = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const query = isQueryRequest(request);
    try {
      if (query) {
        const { operation, input } = decodeQuery(
          await this.#queryParameters(request),
          this.#queueUrlOf(request),
        );
        const output = await this.service.call(operation, input, aborted.signal);
        const body = encodeQueryResult(operation, output, requestId);
        this.#write(response, 200, requestId, body, XML_CONTENT_TYPE);
        return;
      }
      const operation = operationOf(request);
      const input = parseInput(await readBody(request));
      const output = await this.service.call(operation, input, aborted.signal);
      this.#write(response, 200, requestId, JSON.stringify(output), CONTENT_TYPE);
    } catch (error) {
      const failure = asSqsError(error);
      if (query) {
        const body = encodeQueryError(failure, requestId);
        this.#write(response, failure.status, requestId, body, XML_CONTENT_TYPE);
        return;
      }
      const body = JSON.stringify({ __type: failure.type, message: failure.message });
      this.#write(response, failure.status, requestId, body, CONTENT_TYPE, failure.queryError);
    }
  }

  /** The parameters of a query request: the URL's query string and a form-encoded body. */
  async #queryParameters(request: IncomingMessage): Promise<Map<string, string>> {
    const url = new URL(request.url ?? '/', 'http://sqs');
    const body = await readBody(request);
    return queryParameters(url.searchParams, new URLSearchParams(body));
  }

  /** The queue URL a query request was sent to, if it was sent to one rather than to `/`. */
  #queueUrlOf(request: IncomingMessage): string | undefined {
    const path = new URL(request.url ?? '/', 'http://sqs').pathname;
    if (path === '/') return undefined;
    const url = `${this.url}${path}`;
    if (path.split('/').filter((s) => s !== '').length !== 2) throw errors.invalidAddress(url);
    return url;
  }

  #write(
    response: ServerResponse,
    status: number,
    requestId: string,
    body: string,
    contentType: string,
    queryError?: string,
  ): void {
    if (response.destroyed) return;
    const headers: Record<string, string | number> = {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
    };
    if (queryError !== undefined) headers['x-amzn-query-error'] = queryError;
    if (this.#stopping) headers.connection = 'close';
    response.writeHead(status, headers);
    response.end(body);
  }
}
