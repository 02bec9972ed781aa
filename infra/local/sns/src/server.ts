/**
 * The embedded SNS endpoint: SNS's AWS query protocol over plain HTTP on loopback, so that the real
 * `@aws-sdk/client-sns` (and `aws sns ... --endpoint-url`) work against it unchanged:
 *
 * ```ts
 * const sns = new SnsServer({ sqs: sqsServer.service });
 * const client = new SNSClient({ endpoint: await sns.start(), region: 'us-east-1', credentials });
 * ```
 *
 * Requests are form-encoded `POST /` (`Action=<Operation>&Version=2010-03-31&...`), answered
 * with the service's XML; signatures are not verified.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, SnsError } from './errors.ts';
import { decodeQuery, encodeError, encodeResponse } from './query.ts';
import { SnsService, type SnsServiceOptions } from './service.ts';

/** Options of the embedded SNS endpoint: the service's, and where to listen. */
export interface SnsServerOptions extends SnsServiceOptions {
  /** The interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
}

/** Far above any valid request (1 MiB of messages, every byte percent-encoded). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function formOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw errors.invalidParameter('Invalid parameter: request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The form of a request: a POST's form-encoded body, or a GET's query string. */
async function queryOf(request: IncomingMessage): Promise<string> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET') return url.search.slice(1);
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (request.method !== 'POST' || mediaType !== 'application/x-www-form-urlencoded')
    throw errors.invalidParameter(
      'Invalid parameter: the SNS query protocol takes a form-encoded POST or a GET',
    );
  return await formOf(request);
}

/**
 * The embedded SNS endpoint.
 *
 * @example
 * ```ts
 * const sns = new SnsServer({ sqs: sqsService });
 * const endpoint = await sns.start(); // 'http://127.0.0.1:41237'
 * await sns.stop();
 * ```
 */
export class SnsServer {
  /** The service behind the endpoint: topics, subscriptions, delivery failures. */
  readonly service: SnsService;
  readonly #host: string;
  #server: Server | undefined;
  #url: string | undefined;

  constructor(options: SnsServerOptions) {
    const { host, ...service } = options;
    this.#host = host ?? '127.0.0.1';
    this.service = new SnsService(service);
  }

  /** The endpoint URL (throws before {@link start}). */
  get url(): string {
    if (this.#url === undefined) throw new Error('The embedded SNS endpoint is not started');
    return this.#url;
  }

  /** Listens on loopback; resolves to the endpoint URL. */
  async start(port = 0): Promise<string> {
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

  /** Closes the endpoint. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (server === undefined) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let status = 200;
    let body: string;
    try {
      const { action, input } = decodeQuery(await queryOf(request));
      body = encodeResponse(action, await this.service.call(action, input), requestId);
    } catch (error) {
      const failure =
        error instanceof SnsError
          ? error
          : errors.internal(error instanceof Error ? error.message : String(error));
      status = failure.status;
      body = encodeError(failure, requestId);
    }
    response.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
    });
    response.end(body);
  }
}
