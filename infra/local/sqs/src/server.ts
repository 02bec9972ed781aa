/**
 * The embedded SQS endpoint: the AWS JSON 1.0 protocol over plain HTTP on loopback, so that the
 * real `@aws-sdk/client-sqs` works against it unchanged:
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
 * Requests are `POST /` with `Content-Type: application/x-amz-json-1.0` and
 * `X-Amz-Target: AmazonSQS.<Operation>`; signatures are not verified. Errors carry the HTTP
 * status, the `{"__type", "message"}` body and the `x-amzn-query-error` header of the service.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errors, SqsError } from './errors.ts';
import { parseInput } from './input.ts';
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
    try {
      const operation = operationOf(request);
      const input = parseInput(await readBody(request));
      const output = await this.service.call(operation, input, aborted.signal);
      this.#write(response, 200, requestId, JSON.stringify(output));
    } catch (error) {
      const failure =
        error instanceof SqsError
          ? error
          : new SqsError(
              'com.amazon.coral.service#InternalFailure',
              'InternalFailure',
              500,
              error instanceof Error ? error.message : String(error),
              false,
            );
      const body = JSON.stringify({ __type: failure.type, message: failure.message });
      this.#write(response, failure.status, requestId, body, failure.queryError);
    }
  }

  #write(
    response: ServerResponse,
    status: number,
    requestId: string,
    body: string,
    queryError?: string,
  ): void {
    if (response.destroyed) return;
    const headers: Record<string, string | number> = {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
    };
    if (queryError !== undefined) headers['x-amzn-query-error'] = queryError;
    if (this.#stopping) headers.connection = 'close';
    response.writeHead(status, headers);
    response.end(body);
  }
}
