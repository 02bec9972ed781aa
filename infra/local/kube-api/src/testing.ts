/**
 * Helpers for tests that run against the embedded cluster: start one (Bookinfo seeded, waypoints
 * ready after 20 ms), send raw HTTPS requests and watches to it, poll for a condition.
 */
import { request } from 'node:https';
import { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './cluster.ts';

/** The embedded cluster as tests use it: Bookinfo seeded, waypoints ready after 20 ms. */
export async function cluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  return startLocalCluster({ seed: 'bookinfo', readyDelayMs: 20, ...options });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: any;
}

/** One HTTPS request, trusting the cluster's CA, with the admin token unless told otherwise. */
export function raw(
  local: LocalCluster,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; accept?: string; token?: string | null } = {},
): Promise<RawResponse> {
  const url = new URL(path, local.url);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const token = options.token === undefined ? local.server.adminToken : options.token;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: local.server.caCertificate,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined
            ? {}
            : { 'content-type': options.contentType ?? 'application/json' }),
          ...(options.accept === undefined ? {} : { accept: options.accept }),
          'user-agent': 'waypointer-tests/1.0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A streaming watch: collects `{type, object}` events until closed. */
export function watch(
  local: LocalCluster,
  path: string,
): { events: { type: string; object: any }[]; close(): void; ready: Promise<void> } {
  const events: { type: string; object: any }[] = [];
  let close = (): void => {};
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(
      new URL(path, local.url),
      {
        ca: local.server.caCertificate,
        headers: { authorization: `Bearer ${local.server.adminToken}` },
      },
      (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            events.push(JSON.parse(buffer.slice(0, newline)));
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
          }
        });
        res.on('error', () => {});
        resolve();
      },
    );
    req.on('error', (error) => (events.length === 0 ? reject(error) : undefined));
    req.end();
    close = () => req.destroy();
  });
  return { events, close: () => close(), ready };
}

/** Polls until `check` holds (or fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | undefined | false,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls until the asynchronous `check` yields a value (or fails after `timeoutMs`). */
export async function eventuallyAsync<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
