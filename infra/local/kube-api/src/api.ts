/**
 * The embedded API server's semantics, transport-free: create, get, list, update, patch (merge,
 * JSON, strategic, server-side apply) and delete, with resourceVersion preconditions, validation,
 * managed fields, defaults, namespace lifecycle and audit. `server.ts` maps HTTP onto this; the
 * simulated istiod writes through it too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { AuditSink, RequestContext } from './audit.ts';
import { ApplyConflictError } from './errors.ts';
import { clone, jsonEqual } from './json.ts';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  CORE_SCHEMAS,
  PatchError,
} from './patch.ts';
import { rbacDefaults } from './rbac.ts';
import {
  apiVersionOf,
  findResource,
  qualifiedResource,
  RESOURCES,
  type ResourceType,
} from './resources.ts';
import { type Filters, matches } from './selectors.ts';
import { recordUpdate, serverSideApply } from './server-side-apply.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  internalError,
  invalid,
  notFound,
  STALE,
  unsupportedMediaType,
} from './status.ts';
import type { KubeObject, Store } from './store.ts';
import { checkDecodable, validateObject } from './validate.ts';

export const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;

/** What an audit event says a write was about. */
export interface AuditTarget {
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly subresource?: string | undefined;
  /** The request body as decoded (logged at RequestResponse level). */
  readonly body?: unknown;
}

/** The status code and Status body of a failed write. */
function failureOf(error: unknown): { code: number; response: unknown } {
  return error instanceof ApiError
    ? { code: error.code, response: error.toStatus() }
    : { code: 500, response: undefined };
}

export interface WriteOptions {
  readonly fieldManager?: string;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly subresource?: 'status';
}

export interface ListOptions {
  readonly filters?: Filters;
  readonly limit?: number;
  readonly continue?: string;
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const READ_VERBS = new Set(['get', 'list', 'watch']);

const SERVICES = findResource('', 'v1', 'services') as ResourceType;
const PODS = findResource('', 'v1', 'pods') as ResourceType;

/** The addresses stored objects hold: Services' cluster IPs or pods' IPs. */
function addressesIn(store: Store, kind: 'service' | 'pod'): Set<string> {
  const used = new Set<string>();
  const add = (ip: unknown): void => {
    if (typeof ip === 'string') used.add(ip);
  };
  if (kind === 'service') {
    store.forEach(SERVICES, (o) => {
      const spec = o.spec as { clusterIP?: unknown; clusterIPs?: unknown[] } | undefined;
      add(spec?.clusterIP);
      for (const ip of spec?.clusterIPs ?? []) add(ip);
    });
  } else {
    store.forEach(PODS, (o) => {
      const status = o.status as { podIP?: unknown; podIPs?: { ip?: unknown }[] } | undefined;
      add(status?.podIP);
      for (const entry of status?.podIPs ?? []) add(entry.ip);
    });
  }
  return used;
}

/**
 * Addresses handed out to Services (10.96.0.0/16) and Pods (10.244.0.0/16), like the IPAM of a
 * small cluster: the next free one, skipping those stored objects already hold (seeds bring
 * their own).
 */
class Addresses {
  readonly #store: Store;
  #service = 10;
  #pod = 2;

  constructor(store: Store) {
    this.#store = store;
  }

  serviceIp(): string {
    return this.#next('service', '10.96');
  }

  podIp(): string {
    return this.#next('pod', '10.244');
  }

  #next(kind: 'service' | 'pod', prefix: string): string {
    const used = addressesIn(this.#store, kind);
    for (let tries = 0; tries < HOSTS; tries++) {
      const n = kind === 'service' ? this.#service++ : this.#pod++;
      const ip = hostIn(prefix, n);
      if (!used.has(ip)) return ip;
    }
    throw internalError(
      `failed to allocate a ${kind === 'service' ? 'serviceIP' : 'podIP'}: range is full`,
    );
  }
}

const HOSTS = 65_534;

/** The n-th address of a /16 (wrapping past .255.254, skipping network and broadcast). */
function hostIn(prefix: string, n: number): string {
  const host = ((n - 1) % HOSTS) + 1;
  return `${prefix}.${host >> 8}.${host & 255}`;
}

type Anything = Record<string, unknown>;

/**
 * An object as storage compares it for a no-op write: without its resourceVersion, and with
 * managed-fields timestamps left out (apiserver's IgnoreManagedFieldsTimestampsTransformer keeps
 * the old ones when nothing else changed).
 */
function comparable(object: KubeObject): KubeObject {
  const { resourceVersion: _rv, managedFields, ...metadata } = object.metadata;
  const entries = Array.isArray(managedFields)
    ? (managedFields as Anything[]).map(({ time: _time, ...entry }) => entry)
    : undefined;
  return {
    ...object,
    metadata: { ...metadata, ...(entries === undefined ? {} : { managedFields: entries }) },
  };
}

function specOf(object: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = object;
  return JSON.stringify(rest);
}

export class KubeApi {
  readonly store: Store;
  readonly #audit: AuditSink | undefined;
  readonly #now: () => Date;
  readonly #addresses: Addresses;
  readonly #namespaceDeletionMs: number;
  /** Pending namespace terminations, cleared by {@link KubeApi.stop}. */
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    store: Store,
    options: { audit?: AuditSink; now?: () => Date; namespaceDeletionMs?: number } = {},
  ) {
    this.store = store;
    this.#addresses = new Addresses(store);
    this.#namespaceDeletionMs = options.namespaceDeletionMs ?? 200;
    this.#audit = options.audit;
    this.#now = options.now ?? (() => new Date());
  }

  now(): Date {
    return this.#now();
  }

  /** Cancels pending background work (namespace terminations). */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Refuses writes by callers without write rights (the `system:readers` group). */
  authorize(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): void {
    if (READ_VERBS.has(context.verb)) return;
    if (context.user.groups.includes('system:readers')) {
      throw forbidden(
        context.user.username,
        context.verb,
        type,
        name,
        type.namespaced ? namespace : undefined,
      );
    }
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(type, type.namespaced ? namespace : undefined, name);
    if (found === undefined) throw notFound(type, name);
    return found;
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const resourceVersion = String(this.store.revision);
    const items = this.#matching(type, type.namespaced ? namespace : undefined, options.filters);
    let start = 0;
    if (options.continue !== undefined && options.continue !== '') {
      const { start: after, rv } = decodeContinue(options.continue);
      // A token whose revision left the history is compacted away, as etcd's would be.
      if (rv !== -1 && rv < this.store.oldestRevision - 1)
        throw this.expiredContinue(options.continue);
      start = items.findIndex((o) => keyFor(o) > after);
      if (start < 0) start = items.length;
    }
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : items.length;
    const page = items.slice(start, start + limit);
    const remaining = items.length - start - page.length;
    const last = page[page.length - 1];
    if (remaining > 0 && last !== undefined) {
      return {
        items: page,
        resourceVersion,
        continue: encodeContinue(keyFor(last), resourceVersion),
        remainingItemCount: remaining,
      };
    }
    return { items: page, resourceVersion };
  }

  /**
   * The objects a selector matches (all without one), in the store's order: tested in place, only
   * those copied (a selective list of a namespace of 10,000 pods copies what it returns).
   */
  #matching(
    type: ResourceType,
    namespace: string | undefined,
    filters: Filters | undefined,
  ): KubeObject[] {
    if (filters === undefined) return this.store.list(type, namespace);
    const found: KubeObject[] = [];
    this.store.forEach(type, (o) => {
      if ((namespace === undefined || o.metadata.namespace === namespace) && matches(filters, o))
        found.push(o as KubeObject);
    });
    return found
      .map((o) => ({ key: keyFor(o), o }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ o }) => clone(o));
  }

  /**
   * The 410 Expired of a continue token that is too old (etcd3 `handleCompactedErrorForPaging`):
   * its Status carries a token that continues at the latest revision, for clients that accept an
   * inconsistent list.
   */
  expiredContinue(token: string): ApiError {
    const { start } = decodeContinue(token);
    return gone(INCONSISTENT_CONTINUE, { continue: encodeContinue(start, '-1') });
  }

  #requireNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get(NAMESPACES, undefined, namespace ?? '');
    if (ns === undefined) throw notFound(NAMESPACES, namespace ?? '');
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw new ApiError(
        403,
        'Forbidden',
        `${qualifiedResource(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, kind: type.plural },
      );
    }
  }

  #validate(type: ResourceType, object: KubeObject, live?: KubeObject): void {
    const causes = validateObject(type, object, live);
    if (causes.length > 0) throw invalid(type, object.metadata.name, causes);
  }

  #manager(context: RequestContext, options: WriteOptions): string {
    return options.fieldManager ?? (context.userAgent.split('/')[0] || 'unknown');
  }

  #track(
    type: ResourceType,
    previous: KubeObject | undefined,
    next: KubeObject,
    manager: string,
    subresource?: string,
  ): KubeObject {
    return recordUpdate(previous, next, {
      manager,
      ...(subresource === undefined ? {} : { subresource }),
      apiVersion: apiVersionOf(type),
      now: isoSeconds(this.#now()),
      listMapKeys: type.listMapKeys as Record<string, string[]>,
    }) as KubeObject;
  }

  /** Runs a write, recording its audit event whatever the outcome. */
  #audited<T extends KubeObject>(
    context: RequestContext,
    type: ResourceType,
    target: AuditTarget,
    write: () => { object: T; code: number },
  ): T {
    const received = this.#now();
    let outcome: { code: number; response: unknown } = { code: 500, response: undefined };
    try {
      const result = write();
      outcome = { code: result.code, response: result.object };
      return result.object;
    } catch (error) {
      outcome = failureOf(error);
      throw error;
    } finally {
      this.#record(context, type, target, outcome, received);
    }
  }

  /**
   * Records the audit event of a write that failed before it reached the API's semantics: a body
   * that cannot be decoded, a method or media type the resource does not allow.
   */
  auditFailure(
    context: RequestContext,
    type: ResourceType,
    target: AuditTarget,
    error: unknown,
    received: Date = this.#now(),
  ): void {
    this.#record(context, type, target, failureOf(error), received);
  }

  #record(
    context: RequestContext,
    type: ResourceType,
    target: AuditTarget,
    outcome: { code: number; response: unknown },
    received: Date,
  ): void {
    const name =
      target.name ?? (outcome.response as KubeObject | undefined)?.metadata?.name ?? undefined;
    // requestinfo: `/api/v1/namespaces/<ns>` names the namespace too (not a create's collection).
    const namespace = type.namespaced
      ? target.namespace
      : type === NAMESPACES && context.verb !== 'create'
        ? name
        : undefined;
    this.#audit?.record({
      context,
      type,
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
      ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
      code: outcome.code,
      requestObject: target.body,
      responseObject: outcome.response,
      received,
      completed: this.#now(),
    });
  }

  create(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    return this.#audited(context, type, { namespace, name: bodyName(body), body }, () => {
      checkDecodable(body);
      const object = clone(body);
      checkKind(type, object);
      if (type.namespaced) {
        const ns = object.metadata.namespace ?? namespace;
        if (namespace !== undefined && ns !== namespace) {
          throw badRequest(
            'the namespace of the provided object does not match the namespace sent on the request',
          );
        }
        object.metadata.namespace = ns;
      } else {
        delete object.metadata.namespace;
      }
      const generateName = object.metadata.generateName;
      if ((object.metadata.name ?? '') === '' && typeof generateName === 'string') {
        object.metadata.name = `${generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
      }
      this.authorize(context, type, object.metadata.namespace, object.metadata.name ?? '');
      this.#requireNamespace(type, object.metadata.namespace, object.metadata.name);
      const decoded = rbacDefaults(type.kind, object);
      this.#validate(type, decoded);
      if (this.store.get(type, object.metadata.namespace, object.metadata.name) !== undefined) {
        throw alreadyExists(type, object.metadata.name);
      }
      const created = this.#track(
        type,
        undefined,
        this.#defaults(type, decoded),
        this.#manager(context, options),
      );
      return {
        object: options.dryRun === true ? created : this.store.put(type, created, 'ADDED'),
        code: 201,
      };
    });
  }

  #defaults(type: ResourceType, object: KubeObject): KubeObject {
    const now = isoSeconds(this.#now());
    const out: KubeObject = { ...object, apiVersion: apiVersionOf(type), kind: type.kind };
    out.metadata = { ...object.metadata, uid: randomUUID(), creationTimestamp: now };
    delete out.metadata.resourceVersion;
    delete out.metadata.managedFields;
    if (type.custom) out.metadata.generation = 1;
    const spec = (out.spec ?? {}) as Anything;
    switch (type.kind) {
      case 'Namespace':
        out.metadata.labels = {
          ...out.metadata.labels,
          'kubernetes.io/metadata.name': out.metadata.name,
        };
        out.spec = { finalizers: ['kubernetes'], ...spec };
        out.status = { phase: 'Active' };
        break;
      case 'Service':
        out.spec = serviceDefaults(spec, () => this.#addresses.serviceIp());
        out.status = { loadBalancer: {} };
        break;
      case 'Pod':
        out.spec = {
          nodeName: 'waypointer-local',
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'default',
          schedulerName: 'default-scheduler',
          ...spec,
        };
        out.status = podStatus(out, this.#addresses.podIp(), now);
        break;
      case 'Gateway':
        out.status = gatewayPendingStatus();
        break;
      default:
        delete out.status;
    }
    return out;
  }

  /** The object a write produces from the live one: main resource or status subresource rules. */
  #merge(
    type: ResourceType,
    live: KubeObject,
    next: KubeObject,
    subresource: 'status' | undefined,
  ): KubeObject {
    checkKind(type, next);
    if (next.metadata.name !== live.metadata.name) {
      throw badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${live.metadata.name})`,
      );
    }
    const merged = subresource === 'status' ? statusWrite(live, next) : mainWrite(type, live, next);
    const meta = merged.metadata as Record<string, unknown>;
    for (const key of ['uid', 'creationTimestamp', 'namespace', 'generation'] as const) {
      if (live.metadata[key] === undefined) delete meta[key];
      else meta[key] = live.metadata[key];
    }
    merged.apiVersion = apiVersionOf(type);
    merged.kind = type.kind;
    if (type.custom && specOf(merged) !== specOf(live))
      merged.metadata.generation = (live.metadata.generation ?? 0) + 1;
    return merged;
  }

  #commit(
    type: ResourceType,
    live: KubeObject,
    candidate: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const expected = candidate.metadata.resourceVersion;
    if (expected !== undefined && expected !== '' && expected !== live.metadata.resourceVersion) {
      throw conflict(type, live.metadata.name, STALE);
    }
    const merged = rbacDefaults(type.kind, candidate);
    this.#validate(type, merged, live);
    // Storage skips a write that changes nothing: same resourceVersion, no watch event.
    if (jsonEqual(comparable(merged), comparable(live))) return live;
    if (options.dryRun === true) return merged;
    return this.store.put(type, merged, 'MODIFIED');
  }

  update(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    return this.#audited(
      context,
      type,
      { namespace, name, subresource: options.subresource, body },
      () => {
        this.authorize(context, type, namespace, name);
        checkDecodable(body);
        const live = this.get(type, namespace, name);
        const next = clone(body);
        return this.#replace(
          context,
          type,
          live,
          { ...next, metadata: { ...next.metadata, namespace: live.metadata.namespace } },
          options,
        );
      },
    );
  }

  patch(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: string,
    options: WriteOptions = {},
  ): KubeObject {
    const decoded = decodePatch(type, contentType, body);
    const parsed = 'value' in decoded ? decoded.value : undefined;
    return this.#audited(
      context,
      type,
      { namespace, name, subresource: options.subresource, body: parsed },
      () => {
        this.authorize(context, type, namespace, name);
        if ('error' in decoded) throw decoded.error;
        if (contentType === PATCH_TYPES.apply)
          return this.#apply(type, namespace, name, parsed, options);
        const live = this.get(type, namespace, name);
        const patched = applyPatch(type, contentType, live, parsed);
        checkDecodable(patched);
        return this.#replace(context, type, live, patched, options);
      },
    );
  }

  /**
   * Update and patch alike: `candidate` merged onto the live object (its main resource or the
   * subresource written), its fields tracked, then committed unless its resourceVersion is stale.
   */
  #replace(
    context: RequestContext,
    type: ResourceType,
    live: KubeObject,
    candidate: KubeObject,
    options: WriteOptions,
  ): { object: KubeObject; code: number } {
    const merged = this.#merge(type, live, candidate, options.subresource);
    merged.metadata.resourceVersion = candidate.metadata.resourceVersion;
    const tracked = this.#track(
      type,
      live,
      merged,
      this.#manager(context, options),
      options.subresource,
    );
    return { object: this.#commit(type, live, tracked, options), code: 200 };
  }

  #apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): { object: KubeObject; code: number } {
    if (options.fieldManager === undefined || options.fieldManager === '') {
      throw badRequest('PATCH apply: fieldManager is required for apply requests');
    }
    checkDecodable(body);
    checkKind(type, body);
    if ((body.metadata.name ?? name) !== name) {
      throw badRequest(
        `the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    const live = this.store.get(type, type.namespaced ? namespace : undefined, name);
    const applyOptions = {
      manager: options.fieldManager,
      force: options.force === true,
      apiVersion: apiVersionOf(type),
      now: isoSeconds(this.#now()),
      listMapKeys: type.listMapKeys as Record<string, string[]>,
    };
    const applied = {
      ...body,
      metadata: { ...body.metadata, name, ...(type.namespaced ? { namespace } : {}) },
    };
    let result: KubeObject;
    try {
      result = serverSideApply(live, applied, applyOptions).object as KubeObject;
    } catch (error) {
      if (error instanceof ApplyConflictError) {
        throw new ApiError(409, 'Conflict', error.message, { causes: error.causes });
      }
      throw error;
    }
    if (live === undefined) {
      this.#requireNamespace(type, namespace, name);
      const decoded = rbacDefaults(type.kind, result);
      this.#validate(type, decoded);
      const defaulted = this.#defaults(type, decoded);
      const created = {
        ...defaulted,
        metadata: { ...defaulted.metadata, managedFields: result.metadata.managedFields },
      };
      return {
        object: options.dryRun === true ? created : this.store.put(type, created, 'ADDED'),
        code: 201,
      };
    }
    const merged = this.#merge(type, live, result, options.subresource);
    merged.metadata.managedFields = result.metadata.managedFields;
    delete merged.metadata.resourceVersion;
    return { object: this.#commit(type, live, merged, options), code: 200 };
  }

  delete(
    context: RequestContext,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string } = {},
    options: WriteOptions = {},
  ): KubeObject {
    return this.#audited(context, type, { namespace, name }, () => {
      this.authorize(context, type, namespace, name);
      const live = this.get(type, namespace, name);
      if (preconditions.uid !== undefined && preconditions.uid !== live.metadata.uid) {
        throw conflict(
          type,
          name,
          `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(live.metadata.uid)}`,
        );
      }
      if (
        preconditions.resourceVersion !== undefined &&
        preconditions.resourceVersion !== live.metadata.resourceVersion
      ) {
        throw conflict(
          type,
          name,
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in meta: ${String(live.metadata.resourceVersion)}`,
        );
      }
      if (options.dryRun === true) return { object: live, code: 200 };
      if (type === NAMESPACES) return { object: this.#terminate(live), code: 200 };
      return {
        object: this.store.remove(type, type.namespaced ? namespace : undefined, name) ?? live,
        code: 200,
      };
    });
  }

  /** Namespace deletion: Terminating first, then its content, then the namespace itself. */
  #terminate(live: KubeObject): KubeObject {
    if (live.metadata.deletionTimestamp !== undefined) return live;
    const terminating = this.store.put(
      NAMESPACES,
      {
        ...live,
        metadata: {
          ...live.metadata,
          deletionTimestamp: isoSeconds(this.#now()),
          deletionGracePeriodSeconds: 0,
        },
        status: { phase: 'Terminating' },
      },
      'MODIFIED',
    );
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const ns = live.metadata.name;
      for (const type of RESOURCES.filter((r) => r.namespaced)) {
        for (const object of this.store.list(type, ns))
          this.store.remove(type, ns, object.metadata.name);
      }
      const finalized = this.store.remove(NAMESPACES, undefined, ns);
      // The namespace controller's last write, as the real one makes it (and audits it).
      const at = this.#now();
      this.#audit?.record({
        context: {
          user: {
            username: 'system:serviceaccount:kube-system:namespace-controller',
            groups: ['system:serviceaccounts', 'system:authenticated'],
          },
          userAgent: 'kube-controller-manager/v1.32.0',
          sourceIp: '172.18.0.2',
          requestUri: `/api/v1/namespaces/${ns}/finalize`,
          verb: 'update',
        },
        type: NAMESPACES,
        namespace: ns,
        name: ns,
        subresource: 'finalize',
        code: 200,
        ...(finalized === undefined ? {} : { responseObject: finalized }),
        received: at,
        completed: at,
      });
    }, this.#namespaceDeletionMs);
    timer.unref();
    this.#timers.add(timer);
    return terminating;
  }
}

/** A write to `/status`: only the status (and a resourceVersion precondition) is taken. */
function statusWrite(live: KubeObject, next: KubeObject): KubeObject {
  const { resourceVersion } = next.metadata;
  return {
    ...live,
    ...(next.status === undefined ? {} : { status: next.status }),
    metadata: { ...live.metadata, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
  };
}

/** A write to the main resource of a type with a status subresource keeps the live status. */
function mainWrite(type: ResourceType, live: KubeObject, next: KubeObject): KubeObject {
  const merged: KubeObject = { ...next, metadata: { ...next.metadata } };
  if (!type.hasStatus) return merged;
  if (live.status === undefined) delete merged.status;
  else merged.status = live.status;
  return merged;
}

function checkKind(type: ResourceType, object: KubeObject): void {
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw badRequest(
      `the kind of the object (${object.kind}) does not match the kind on the URL (${type.kind})`,
    );
  }
  const version = object.apiVersion;
  if (
    version !== undefined &&
    !(type.group === '' ? version === 'v1' : version.startsWith(`${type.group}/`))
  ) {
    throw badRequest(
      `the API version in the data (${version}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
}

function keyFor(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function encodeContinue(start: string, resourceVersion: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(resourceVersion), start }),
  ).toString('base64url');
}

const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function decodeContinue(token: string): { start: string; rv: number } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      start?: unknown;
      rv?: unknown;
    };
    if (typeof decoded.start === 'string')
      return { start: decoded.start, rv: typeof decoded.rv === 'number' ? decoded.rv : 0 };
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** RFC 3339 with seconds, as metav1.Time serializes. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The patch types a resource accepts, in the order the API server lists them. */
export function patchTypesOf(type: ResourceType): string[] {
  return type.custom
    ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
    : Object.values(PATCH_TYPES);
}

/** A PATCH body: 415 for a patch type the resource does not take, 400 when it does not parse. */
function decodePatch(
  type: ResourceType,
  contentType: string,
  body: string,
): { value: unknown } | { error: ApiError } {
  const accepted = patchTypesOf(type);
  if (!accepted.includes(contentType)) return { error: unsupportedMediaType(accepted) };
  try {
    return { value: contentType === PATCH_TYPES.apply ? parseYaml(body) : JSON.parse(body) };
  } catch (error) {
    return {
      error: badRequest(
        `error decoding patch: ${error instanceof Error ? error.message : String(error)}`,
      ),
    };
  }
}

/** The `metadata.name` of a request body, when it has one. */
function bodyName(body: unknown): string | undefined {
  const name = (body as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function applyPatch(
  type: ResourceType,
  contentType: string,
  live: KubeObject,
  patch: unknown,
): unknown {
  try {
    switch (contentType) {
      case PATCH_TYPES.json:
        return applyJsonPatch(live, patch);
      case PATCH_TYPES.merge:
        return applyMergePatch(live, patch);
      case PATCH_TYPES.strategic: {
        const schema = CORE_SCHEMAS[type.kind as keyof typeof CORE_SCHEMAS];
        if (type.custom || schema === undefined) {
          throw unsupportedMediaType(patchTypesOf({ ...type, custom: true }));
        }
        return applyStrategicMergePatch(live, patch, schema);
      }
      default:
        throw unsupportedMediaType(patchTypesOf(type));
    }
  } catch (error) {
    if (error instanceof PatchError)
      throw new ApiError(
        error.status,
        error.status === 422 ? 'Invalid' : 'BadRequest',
        error.message,
      );
    throw error;
  }
}

function serviceDefaults(spec: Anything, allocate: () => string): Anything {
  const type = (spec.type as string | undefined) ?? 'ClusterIP';
  const ports = Array.isArray(spec.ports)
    ? spec.ports.map((p: Anything) => ({ protocol: 'TCP', targetPort: p.port, ...p }))
    : spec.ports;
  const clusterIP =
    type === 'ExternalName' ? undefined : ((spec.clusterIP as string | undefined) ?? allocate());
  return {
    ...spec,
    type,
    ...(ports === undefined ? {} : { ports }),
    ...(clusterIP === undefined ? {} : { clusterIP, clusterIPs: [clusterIP] }),
    sessionAffinity: (spec.sessionAffinity as string | undefined) ?? 'None',
    ...(type === 'ExternalName'
      ? {}
      : { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' }),
  };
}

/**
 * Runs pods that have no status yet (a seed's) as the kubelet would: each gets {@link podStatus}
 * with a pod IP no stored pod holds. Store each pod it returns before running the next.
 */
export function podRunner(store: Store): (pod: KubeObject, now: Date) => KubeObject {
  const addresses = new Addresses(store);
  return (pod, now) => ({ ...pod, status: podStatus(pod, addresses.podIp(), isoSeconds(now)) });
}

/**
 * What the kubelet would report once a new pod runs (the embedded cluster has no kubelet): Running
 * with an IP from the pod network, or the node's IP for a pod with host networking. The status
 * subresource sets any other phase.
 */
function podStatus(pod: KubeObject, podNetworkIp: string, now: string): Anything {
  const ip = (pod.spec as Anything | undefined)?.hostNetwork === true ? NODE_IP : podNetworkIp;
  const containers = Array.isArray((pod.spec as Anything | undefined)?.containers)
    ? ((pod.spec as Anything).containers as Anything[])
    : [];
  const condition = (type: string): Anything => ({
    type,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  return {
    phase: 'Running',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    qosClass: 'BestEffort',
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: now } },
    })),
  };
}

/** The IP of the embedded cluster's one node. */
const NODE_IP = '172.18.0.2';

/** The Gateway CRD's default status: both conditions Unknown until a controller reports. */
function gatewayPendingStatus(): Anything {
  const pending = (type: string): Anything => ({
    type,
    status: 'Unknown',
    reason: 'Pending',
    message: 'Waiting for controller',
    lastTransitionTime: '1970-01-01T00:00:00Z',
  });
  return { conditions: [pending('Accepted'), pending('Programmed')] };
}
