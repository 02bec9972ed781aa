/**
 * The embedded EventBridge endpoint: the AWS JSON 1.1 protocol over plain HTTP on loopback, so that
 * the real `@aws-sdk/client-eventbridge` and `aws events put-events` work against it unchanged:
 *
 * ```ts
 * const events = new EventsServer({ rules: [{ name: 'audit', pattern, target: handler }] });
 * const endpoint = await events.start();
 * const client = new EventBridgeClient({
 *   endpoint,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
 * });
 * ```
 *
 * Requests are `POST /` with `Content-Type: application/x-amz-json-1.1` and
 * `X-Amz-Target: AWSEvents.<Operation>`; signatures are not verified. Errors carry the HTTP status
 * and the `{"__type", "message"}` body of the service.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventsError, errors } from './errors.ts';
import { EventsService, type EventsServiceOptions } from './service.ts';

/** Options of the embedded EventBridge endpoint: the service's, and where to listen. */
export interface EventsServerOptions extends EventsServiceOptions {
  /** The interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';
/** Far above any valid request (1 MiB of entries, every character escaped in JSON). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The operation a request names, or UnknownOperationException. */
function operationOf(request: IncomingMessage): string {
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const target = request.headers['x-amz-target'];
  const known =
    request.method === 'POST' &&
    mediaType === CONTENT_TYPE &&
    typeof target === 'string' &&
    target.startsWith(TARGET_PREFIX);
  if (!known) throw errors.unknownOperation();
  return target.slice(TARGET_PREFIX.length);
}

/** The JSON object of a request body (an empty body is an empty input). */
async function inputOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw errors.requestTooLarge();
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw errors.serialization('Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw errors.serialization('Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The embedded EventBridge endpoint.
 *
 * @example
 * ```ts
 * const events = new EventsServer({ logFile: '.local/events.jsonl' });
 * const endpoint = await events.start(); // 'http://127.0.0.1:41235'
 * events.service.putRule({ name: 'audit', pattern: { source: ['com.example'] }, target });
 * await events.stop();
 * ```
 */
export class EventsServer {
  /** The service behind the endpoint: rules, the event log, dead letters. */
  readonly service: EventsService;
  readonly #host: string;
  #server: Server | undefined;
  #url: string | undefined;
  #stopped = false;

  /**
   * @example
   * ```ts
   * const events = new EventsServer({ region: 'eu-west-1', rules });
   * ```
   */
  constructor(options: EventsServerOptions = {}) {
    const { host, ...service } = options;
    this.#host = host ?? '127.0.0.1';
    this.service = new EventsService(service);
  }

  /**
   * The endpoint URL, e.g. `http://127.0.0.1:41235` (throws before {@link start}).
   *
   * @example
   * ```ts
   * new EventBridgeClient({ endpoint: events.url });
   * ```
   */
  get url(): string {
    if (this.#url === undefined)
      throw new Error('The embedded EventBridge endpoint is not started');
    return this.#url;
  }

  /**
   * Listens on loopback; resolves to the endpoint URL.
   *
   * @example
   * ```ts
   * const endpoint = await events.start(0); // any free port
   * ```
   */
  async start(port = 0): Promise<string> {
    if (this.#stopped) throw new Error('The embedded EventBridge endpoint was stopped');
    if (this.#url !== undefined) return this.#url;
    const server = createServer((request, response) => {
      void this.#handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const { address, family, port: bound } = server.address() as AddressInfo;
    this.#url = `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}`;
    return this.#url;
  }

  /**
   * Lets the deliveries under way end, then closes. A stopped endpoint cannot be started again.
   *
   * @example
   * ```ts
   * await events.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.service.settled();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let status = 200;
    let body: string;
    try {
      const operation = operationOf(request);
      body = JSON.stringify(await this.service.call(operation, await inputOf(request)));
    } catch (error) {
      const failure =
        error instanceof EventsError
          ? error
          : errors.internal(error instanceof Error ? error.message : String(error));
      status = failure.status;
      body = JSON.stringify({ __type: failure.type, message: failure.message });
    }
    response.writeHead(status, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
      ...(this.#stopped ? { connection: 'close' } : {}),
    });
    response.end(body);
  }
}
