/**
 * The embedded Kubernetes API server: real HTTP that `kubectl` and `@kubernetes/client-node`
 * accept, over the semantics of `api.ts`. Discovery, CRUD, patch, watch, Table and metadata-only
 * lists, bearer-token authentication, audit, a simulated istiod and fault injection.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { type AuditTarget, KubeApi, PATCH_TYPES } from './api.ts';
import { type AuditOptions, AuditSink, type RequestContext, type UserInfo } from './audit.ts';
import { type FaultOptions, Faults } from './faults.ts';
import { openApiV3 } from './openapi.ts';
import {
  apiVersionOf,
  coreVersions,
  findResource,
  group,
  groupList,
  type ResourceType,
  resourceList,
} from './resources.ts';
import { type Filters, matches, parseFilters } from './selectors.ts';
import {
  ApiError,
  badRequest,
  gone,
  internalError,
  invalidResourceVersion,
  pathNotFound,
  unauthorized,
  unsupportedMediaType,
} from './status.ts';
import { type KubeObject, Store, type StoredEvent } from './store.ts';
import { partialMetadata, toTable } from './table.ts';
import { makeTls, type TlsMaterial } from './tls.ts';

export interface KubeApiServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Bearer tokens and the users they authenticate; an admin token is made when none is given. */
  readonly tokens?: Readonly<Record<string, UserInfo>>;
  readonly audit?: AuditOptions;
  readonly faults?: FaultOptions;
  readonly store?: Store;
  /** How many requests {@link KubeApiServer.requests} keeps (the last 10,000). */
  readonly requestLogSize?: number;
}

/** The Kubernetes version the server reports (`/version`). */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-waypointer',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const MAX_BODY = 3 * 1024 * 1024;

/** The media types a create or update body may have (JSON is also the default). */
const BODY_TYPES = ['application/json', 'application/yaml'];

/** Writes a request may make; other methods are not audited as writes. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface ResourcePath {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: 'status';
}

/** Maps `/api/v1/...` and `/apis/<group>/<version>/...` to a resource, namespace, name and subresource. */
export function parseResourcePath(segments: readonly string[]): ResourcePath | undefined {
  const prefix = groupVersionOf(segments);
  if (prefix === undefined) return undefined;
  let rest = prefix.rest;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub, ...extra] = rest;
  if (plural === undefined || extra.length > 0 || (sub !== undefined && sub !== 'status'))
    return undefined;
  const type = findResource(prefix.group, prefix.version, plural);
  if (type === undefined || (namespace !== undefined && !type.namespaced)) return undefined;
  return {
    type,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
    ...(sub === undefined ? {} : { subresource: 'status' as const }),
  };
}

/** `api/v1/...` or `apis/<group>/<version>/...`: the group, version and what follows. */
function groupVersionOf(
  segments: readonly string[],
): { group: string; version: string; rest: readonly string[] } | undefined {
  const [root, first, second] = segments;
  if (root === 'api' && first !== undefined)
    return { group: '', version: first, rest: segments.slice(2) };
  if (root === 'apis' && first !== undefined && second !== undefined) {
    return { group: first, version: second, rest: segments.slice(3) };
  }
  return undefined;
}

/** The `as=` of the first Accept clause that names one (`Table`, `PartialObjectMetadataList`...). */
function acceptedAs(accept: string | undefined): string | undefined {
  for (const clause of (accept ?? '').split(',')) {
    const as = /;\s*as=([A-Za-z]+)/.exec(clause)?.[1];
    if (as !== undefined) return as;
    if (clause.trim().startsWith('application/json') || clause.trim() === '*/*') return undefined;
  }
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(
          new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
        );
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: unknown): void {
  const apiError =
    error instanceof ApiError
      ? error
      : internalError(error instanceof Error ? error.message : String(error));
  if (!response.headersSent) send(response, apiError.code, apiError.toStatus(), apiError.headers);
  else response.end();
}

export class KubeApiServer {
  readonly store: Store;
  readonly api: KubeApi;
  readonly audit: AuditSink;
  readonly faults: Faults;
  /** The admin bearer token (in the written kubeconfig). */
  readonly adminToken: string;
  readonly #tokens: Map<string, UserInfo>;
  #server: Server | undefined;
  #tls: TlsMaterial | undefined;
  readonly #options: KubeApiServerOptions;
  readonly #watches = new Set<() => void>();
  readonly #stalls = new Set<NodeJS.Timeout>();
  /** `METHOD /path?query` of the last requests served (see `requestLogSize`), oldest first. */
  readonly requests: string[] = [];
  #requestCount = 0;
  #url = '';

  constructor(options: KubeApiServerOptions = {}) {
    this.#options = options;
    this.store = options.store ?? new Store();
    this.audit = new AuditSink(options.audit ?? {});
    this.api = new KubeApi(this.store, { audit: this.audit });
    this.faults = new Faults(options.faults);
    this.adminToken = `waypointer-admin-${randomBytes(12).toString('hex')}`;
    this.#tokens = new Map(
      Object.entries(
        options.tokens ?? {
          [this.adminToken]: {
            username: 'kubernetes-admin',
            groups: ['system:masters', 'system:authenticated'],
          },
        },
      ),
    );
  }

  /** How many requests were served since the start (the log keeps only the last ones). */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** The logged requests served after the first `count` (a previous {@link requestCount}). */
  requestsSince(count: number): string[] {
    const kept = Math.min(this.#requestCount - count, this.requests.length);
    return kept <= 0 ? [] : this.requests.slice(-kept);
  }

  #log(request: IncomingMessage): void {
    this.#requestCount++;
    this.requests.push(`${request.method ?? 'GET'} ${request.url ?? '/'}`);
    const excess = this.requests.length - (this.#options.requestLogSize ?? 10_000);
    if (excess > 0) this.requests.splice(0, excess);
  }

  /** `https://host:port` once started. */
  get url(): string {
    return this.#url;
  }

  /** Adds a bearer token (for tests of other identities). */
  addToken(token: string, user: UserInfo): void {
    this.#tokens.set(token, user);
  }

  async start(): Promise<string> {
    const host = this.#options.host ?? '127.0.0.1';
    const tls = await makeTls();
    const server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
      this.#handle(request, response).catch((error: unknown) => sendError(response, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, host, () => resolve());
    });
    this.#server = server;
    this.#tls = tls;
    const { port } = server.address() as AddressInfo;
    this.#url = `https://${host}:${port}`;
    return this.#url;
  }

  /** PEM of the CA that signed the serving certificate. */
  get caCertificate(): string {
    return this.#tls?.ca ?? '';
  }

  /** Ends watches, cancels timers, closes connections; waits at most ~2 s for audit delivery. */
  async stop(): Promise<void> {
    for (const close of this.#watches) close();
    for (const stall of this.#stalls) clearTimeout(stall);
    this.#stalls.clear();
    this.api.stop();
    const server = this.#server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.audit.stop();
  }

  /** A kubeconfig (YAML) for this server: kubectl and client-node accept it. */
  kubeconfig(token = this.adminToken): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: waypointer-local',
      '  cluster:',
      `    server: ${this.#url}`,
      `    certificate-authority-data: ${Buffer.from(this.caCertificate).toString('base64')}`,
      'users:',
      '- name: waypointer-local-admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: waypointer-local',
      '  context:',
      '    cluster: waypointer-local',
      '    user: waypointer-local-admin',
      '    namespace: default',
      'current-context: waypointer-local',
      '',
    ].join('\n');
  }

  #authenticate(request: IncomingMessage): UserInfo {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const user = this.#tokens.get(token);
    if (user === undefined) throw unauthorized();
    return user;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.#log(request);
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname === '/version') return send(response, 200, VERSION);
    const user = this.#authenticate(request);
    if (segments[0] === 'openapi' && segments[1] === 'v3') {
      return send(response, 200, openApiV3(segments.slice(2).join('/')) ?? throwNotFound());
    }
    const discovery = this.#discovery(segments, request);
    if (discovery !== undefined) return send(response, 200, discovery);
    const path = parseResourcePath(segments);
    if (path === undefined) throw pathNotFound();
    const token = url.searchParams.get('continue');
    const fault = this.faults.next({ continue: token !== null && token !== '' });
    if (fault?.kind === 'stall') {
      const stall = setTimeout(() => {
        this.#stalls.delete(stall);
        request.socket.destroy();
      }, fault.ms);
      stall.unref();
      this.#stalls.add(stall);
      return;
    }
    if (fault?.kind === 'error') throw fault.error;
    if (fault?.kind === 'expired') throw this.api.expiredContinue(token ?? '');
    await this.#resource(request, response, url, path, user);
  }

  #discovery(segments: readonly string[], request: IncomingMessage): object | undefined {
    const [root, a, b, ...rest] = segments;
    if (request.method !== 'GET' || rest.length > 0) return undefined;
    if (root === 'api') {
      return a === undefined
        ? coreVersions(request.headers.host ?? '127.0.0.1')
        : b === undefined
          ? (resourceList('', a) ?? throwNotFound())
          : undefined;
    }
    if (root !== 'apis') return undefined;
    if (a === undefined) return groupList();
    return (b === undefined ? group(a) : resourceList(a, b)) ?? throwNotFound();
  }

  #context(request: IncomingMessage, user: UserInfo, verb: string): RequestContext {
    return {
      user,
      userAgent: request.headers['user-agent'] ?? '',
      sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      requestUri: request.url ?? '/',
      verb,
    };
  }

  async #resource(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    path: ResourcePath,
    user: UserInfo,
  ): Promise<void> {
    if ((request.method ?? 'GET') === 'GET') {
      this.#read(request, response, url.searchParams, path);
      return;
    }
    const [code, body] = await this.#write(request, url.searchParams, path, user);
    send(response, code, body);
  }

  #read(
    request: IncomingMessage,
    response: ServerResponse,
    q: URLSearchParams,
    path: ResourcePath,
  ): void {
    const { type, namespace, name } = path;
    const as = acceptedAs(request.headers.accept);
    const includeObject = q.get('includeObject') ?? 'Metadata';
    if (name !== undefined) {
      const object = this.api.get(type, namespace, name);
      const shaped =
        as === 'Table'
          ? toTable(type, [object], {}, includeObject)
          : as === 'PartialObjectMetadata'
            ? partialMetadata(object)
            : object;
      send(response, 200, shaped);
      return;
    }
    const filters = parseFilters(type, q.get('labelSelector'), q.get('fieldSelector'));
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      this.#watch(request, response, type, namespace, filters, q, as);
      return;
    }
    send(response, 200, this.#list(type, namespace, filters, q, as));
  }

  /** A write: decoded here (failures audited), then carried out (and audited) by the API. */
  async #write(
    request: IncomingMessage,
    q: URLSearchParams,
    path: ResourcePath,
    user: UserInfo,
  ): Promise<[number, unknown]> {
    const { type, namespace, name, subresource } = path;
    const method = request.method ?? '';
    const context = this.#context(request, user, requestVerb(method, name !== undefined));
    const received = this.api.now();
    let input: WriteInput;
    try {
      input = await decodeWrite(request, method, name !== undefined);
    } catch (error) {
      if (WRITE_METHODS.has(method)) {
        const target: AuditTarget = { namespace, name, subresource };
        this.api.auditFailure(context, type, target, error, received);
      }
      throw error;
    }
    const options = {
      ...(q.get('fieldManager') === null ? {} : { fieldManager: q.get('fieldManager') as string }),
      force: q.get('force') === 'true',
      dryRun: q.get('dryRun') === 'All',
      ...(subresource === undefined ? {} : { subresource }),
    };
    const target = name as string;
    switch (input.verb) {
      case 'create':
        return [201, this.api.create(context, type, namespace, input.body, options)];
      case 'deletecollection':
        return [200, this.#deleteCollection(context, type, namespace, q)];
      case 'update':
        return [200, this.api.update(context, type, namespace, target, input.body, options)];
      case 'delete': {
        const { preconditions = {} } = (input.body ?? {}) as { preconditions?: object };
        return [200, this.api.delete(context, type, namespace, target, preconditions, options)];
      }
      case 'patch': {
        const existed =
          this.store.get(type, type.namespaced ? namespace : undefined, target) !== undefined;
        const { contentType, text } = input;
        const result = this.api.patch(context, type, namespace, target, contentType, text, options);
        return [contentType === PATCH_TYPES.apply && !existed ? 201 : 200, result];
      }
    }
  }

  #list(
    type: ResourceType,
    namespace: string | undefined,
    filters: Filters,
    q: URLSearchParams,
    as: string | undefined,
  ): object {
    const limit = q.get('limit') === null ? undefined : Number(q.get('limit'));
    const result = this.api.list(type, namespace, {
      filters,
      ...(limit === undefined || Number.isNaN(limit) ? {} : { limit }),
      ...(q.get('continue') === null ? {} : { continue: q.get('continue') as string }),
    });
    const metadata = {
      resourceVersion: result.resourceVersion,
      ...(result.continue === undefined
        ? {}
        : { continue: result.continue, remainingItemCount: result.remainingItemCount }),
    };
    if (as === 'Table')
      return toTable(type, result.items, metadata, q.get('includeObject') ?? 'Metadata');
    if (as === 'PartialObjectMetadataList') {
      return {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata,
        items: result.items.map(partialMetadata),
      };
    }
    return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata, items: result.items };
  }

  #deleteCollection(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    q: URLSearchParams,
  ): object {
    const filters = parseFilters(type, q.get('labelSelector'), q.get('fieldSelector'));
    const { items, resourceVersion } = this.api.list(type, namespace, { filters });
    const deleted = items.map((o) =>
      this.api.delete(context, type, o.metadata.namespace, o.metadata.name),
    );
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion },
      items: deleted,
    };
  }

  /**
   * A watch, as the watch cache serves it: from `resourceVersion` (later events only, also when it
   * is ahead of the store), or the current objects first when none is given. A resourceVersion
   * older than the history answers 200 with one ERROR event (410 Expired); one that is no number
   * answers 422. `allowWatchBookmarks` is accepted but no BOOKMARK is ever sent (bookmarks are a
   * hint the server may omit).
   */
  #watch(
    request: IncomingMessage,
    response: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    filters: Filters,
    q: URLSearchParams,
    as: string | undefined,
  ): void {
    const fromRevision = parseResourceVersion(q.get('resourceVersion') ?? '');
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    const oldest = this.store.oldestRevision;
    if (fromRevision !== undefined && fromRevision < oldest - 1) {
      const expired = gone(`too old resource version: ${fromRevision} (${oldest - 1})`);
      response.end(`${JSON.stringify({ type: 'ERROR', object: expired.toStatus() })}\n`);
      return;
    }
    const wrap = (object: KubeObject): unknown =>
      as === 'Table'
        ? toTable(
            type,
            [object],
            { resourceVersion: object.metadata.resourceVersion },
            q.get('includeObject') ?? 'Metadata',
          )
        : object;
    const write = (eventType: string, object: KubeObject): void => {
      response.write(`${JSON.stringify({ type: eventType, object: wrap(object) })}\n`);
    };
    let after = fromRevision ?? this.store.revision;
    if (fromRevision === undefined) {
      for (const object of this.api.list(type, namespace, { filters }).items)
        write('ADDED', object);
    }
    const visible = (o: KubeObject | undefined): boolean =>
      o !== undefined &&
      (!type.namespaced || namespace === undefined || o.metadata.namespace === namespace) &&
      matches(filters, o);
    const listener = (event: StoredEvent): void => {
      if (event.resource !== type || event.resourceVersion <= after) return;
      after = event.resourceVersion;
      const now = visible(event.object);
      const before = event.type === 'MODIFIED' ? visible(event.previous) : now;
      if (now && before) write(event.type, event.object);
      else if (now) write('ADDED', event.object);
      else if (before) write('DELETED', event.object);
    };
    const stop = this.store.watch(after, listener);
    const timeout = Number(q.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(
      () => close(),
      (Number.isFinite(timeout) && timeout > 0 ? timeout : 1800) * 1000,
    );
    const close = (): void => {
      clearTimeout(timer);
      stop();
      this.#watches.delete(close);
      if (!response.writableEnded) response.end();
    };
    this.#watches.add(close);
    request.on('close', close);
  }
}

/** A watch's `resourceVersion`: undefined for '' and '0' (from now, current objects first). */
function parseResourceVersion(requested: string): number | undefined {
  if (requested === '' || requested === '0') return undefined;
  if (!/^\d+$/.test(requested) || BigInt(requested) > 0xffff_ffff_ffff_ffffn)
    throw invalidResourceVersion(requested);
  return Number(requested);
}

const METHOD_NOT_ALLOWED = (): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );

/** The Kubernetes verb of a write: POST to a collection, PUT/PATCH/DELETE to an item, DELETE to a collection. */
function writeVerb(method: string, item: boolean): WriteVerb {
  if (method === 'POST' && !item) return 'create';
  if (method === 'DELETE') return item ? 'delete' : 'deletecollection';
  if (item && method === 'PUT') return 'update';
  if (item && method === 'PATCH') return 'patch';
  throw METHOD_NOT_ALLOWED();
}

function throwNotFound(): never {
  throw pathNotFound();
}

/** The verb requestinfo gives any request (also one the resource does not allow), for audit. */
function requestVerb(method: string, item: boolean): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return item ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

type WriteVerb = 'create' | 'update' | 'delete' | 'deletecollection' | 'patch';

/** A write's decoded input: the object (or DeleteOptions) for most verbs, the raw patch for PATCH. */
type WriteInput =
  | { readonly verb: Exclude<WriteVerb, 'patch'>; readonly body: unknown }
  | { readonly verb: 'patch'; readonly contentType: string; readonly text: string };

/** The media type of a request's body, without parameters (`; charset=utf-8`). */
function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Checks the method, reads the body and decodes it by its Content-Type. */
async function decodeWrite(
  request: IncomingMessage,
  method: string,
  item: boolean,
): Promise<WriteInput> {
  const verb = writeVerb(method, item);
  const mediaType = mediaTypeOf(request);
  if (
    (verb === 'create' || verb === 'update') &&
    mediaType !== '' &&
    !BODY_TYPES.includes(mediaType)
  )
    throw unsupportedMediaType(BODY_TYPES);
  const text = await readBody(request);
  if (verb === 'patch') return { verb, contentType: mediaType, text };
  if (text.trim() === '' && (verb === 'delete' || verb === 'deletecollection'))
    return { verb, body: undefined };
  return { verb, body: decodeBody(mediaType, text) };
}

/** A JSON or YAML body (JSON when no type is given, as the API server's negotiation defaults). */
function decodeBody(mediaType: string, text: string): unknown {
  try {
    return mediaType === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest(mediaType === 'application/yaml' ? `yaml: ${reason}` : `json: ${reason}`);
  }
}
