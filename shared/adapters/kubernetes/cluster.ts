/**
 * The Cluster port over `@kubernetes/client-node` 2.x: snapshots in a constant number of requests,
 * server-side apply of waypoints, label merge patches, waiting for `Programmed`; Kubernetes
 * failures become waypointer's typed errors, and transient ones are retried.
 */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
// client-node's own Observable stub: ObjectParamAPI middleware returns it (see setHeaderMiddleware).
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { actorUserAgent } from '../../domain/actor.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  type WaypointerError,
} from '../../domain/errors.ts';
import {
  GATEWAY_NAME,
  ISTIO_NETWORKING_GROUP,
  MESH_CONFIG_NAME,
  MESH_CONFIG_NAMESPACE,
  USE_WAYPOINT,
} from '../../domain/labels.ts';
import type {
  ClusterSnapshot,
  Gateway,
  GatewayClass,
  MeshConfig,
  Namespace,
  ObjectMeta,
  Pod,
  Service,
  ServiceEntry,
  WorkloadEntry,
} from '../../domain/model.ts';
import { programmedStatus } from '../../domain/waypoints.ts';
import type {
  CallOptions,
  Clock,
  Cluster,
  LabelChanges,
  LabelTarget,
  SnapshotOptions,
  WriteOptions,
} from '../../ports.ts';
import { parseMeshConfig, revisionOfMeshConfigMap } from '../../schemas/kubernetes.ts';
import { systemClock } from '../clock.ts';
import { type EksKubeConfigOptions, type EksTokenSource, eksKubeConfig } from './eks-auth.ts';

export const FIELD_MANAGER = 'waypointer';
const GROUP = 'gateway.networking.k8s.io';
const VERSION = 'v1';
const METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';
/** How many times a paged list starts over after its continue token expired (410). */
const MAX_LIST_RESTARTS = 3;

export interface RetryOptions {
  /**
   * Attempts after the first, for 429, 5xx and requests that stall or fail to connect (only 429
   * for calls that are not safe to repeat, see {@link CallSafety}).
   */
  readonly maxRetries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A request that takes longer is abandoned (and retried). */
  readonly requestTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface KubernetesClusterOptions extends RetryOptions {
  /** `limit` of list requests. */
  readonly pageSize?: number;
  /** How often `waitForProgrammed` reads the Gateway (istioctl: 1 s). */
  readonly pollIntervalMs?: number;
  /**
   * The time `waitForProgrammed` reads its deadline from and sleeps between reads with, and the
   * retries' default sleep. Default: the system clock.
   */
  readonly clock?: Clock;
  /**
   * istiod's MeshConfig, given instead of the one the cluster's `istio` ConfigMap holds (the CLI's
   * `--mesh-config`); null for istiod's defaults.
   */
  readonly meshConfig?: MeshConfig | null;
  /**
   * Called once when a request is answered 401 (e.g. to renew a bearer token); the request is then
   * made once more. Without it a 401 fails at once.
   */
  readonly onUnauthorized?: () => void | Promise<void>;
}

/** Whether a call may be repeated when its outcome is unknown. */
export interface CallSafety {
  /**
   * True (the default) when repeating the call after it may have taken effect gives the same
   * result. False (a delete: a repeat after a committed first attempt says "not found") retries
   * only a 429, which the server answers before doing anything.
   */
  readonly idempotent?: boolean;
}

/** The message of a Kubernetes error body; the status code when the body is no Status. */
function statusMessage(error: ApiException<unknown>): {
  message: string;
  causes: { field?: string; message?: string }[];
} {
  const raw = error.body;
  try {
    const status = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
      message?: string;
      details?: { causes?: [] };
    };
    if (typeof status?.message === 'string')
      return { message: status.message, causes: status.details?.causes ?? [] };
  } catch {
    // fall through: keep the status code
  }
  const text = typeof raw === 'string' && raw.trim() !== '' ? `: ${raw.trim().slice(0, 200)}` : '';
  return { message: `the Kubernetes API answered HTTP ${error.code}${text}`, causes: [] };
}

/** A Kubernetes error as waypointer's typed error; undefined when it is worth retrying. */
export function toWaypointerError(error: unknown): WaypointerError | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const code = error.code as number;
  const { message, causes } = statusMessage(error);
  switch (code) {
    case 400:
      return new ValidationError(message, [], { cause: error });
    case 401:
      return new UnauthorizedError(message, { cause: error });
    case 403:
      return new ForbiddenError(message, { cause: error });
    case 404:
      return new NotFoundError(message, { cause: error });
    case 409:
      return new ConflictError(message, { cause: error });
    case 422:
      return new ValidationError(
        message,
        causes.map((c) => ({ path: c.field ?? '', message: c.message ?? '' })),
        { cause: error },
      );
    default:
      return code === 429 || code >= 500
        ? undefined
        : new UnavailableError(message, { cause: error });
  }
}

function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException) || error.code !== 429) return undefined;
  const headers = error.headers as Record<string, string | undefined>;
  const seconds = Number(headers['retry-after'] ?? headers['Retry-After']);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function isTooManyRequests(error: unknown): boolean {
  return error instanceof ApiException && error.code === 429;
}

/**
 * Runs `call` until it succeeds, fails for good (a typed error) or runs out of retries: 429 waits
 * at least Retry-After, 5xx and network failures back off exponentially (capped, with jitter).
 * A call that is not idempotent is retried after a 429 only: after a 5xx, a stall or a dropped
 * connection the first attempt may have taken effect, so it fails with UnavailableError.
 * Once `signal` aborts (the request's deadline), no attempt starts and a backoff is cut short:
 * the call fails with UnavailableError (`call` is expected to abort its request with the signal).
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  options: RetryOptions = {},
  safety: CallSafety = {},
  signal?: AbortSignal,
): Promise<T> {
  const sleep = options.sleep ?? systemClock.sleep;
  let failed: unknown;
  for (let attempt = 0; ; attempt++) {
    if (aborted(signal)) throw pastDeadline(failed, safety);
    try {
      return await call();
    } catch (error) {
      const final =
        toWaypointerError(error) ??
        (aborted(signal) ? pastDeadline(error, safety) : giveUp(error, attempt, options, safety));
      if (final !== undefined) throw final;
      failed = error;
      await sleepUnless(
        sleep,
        Math.max(retryAfterMs(error) ?? 0, backoffMs(attempt, options)),
        signal,
      );
    }
  }
}

/** Whether `signal` has aborted (a function: the flag changes while a call awaits). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Sleeps `ms`, or less when `signal` aborts first. */
export async function sleepUnless(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) return sleep(ms);
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms).then(done, done);
  });
}

/** The error of a call its deadline ended, after `error` (the last failure, if any). */
function pastDeadline(error: unknown, safety: CallSafety): UnavailableError {
  const last = error === undefined ? '' : ` (last failure: ${describe(error)})`;
  const effect =
    safety.idempotent === false && error !== undefined ? '; the request may have taken effect' : '';
  return new UnavailableError(
    `the Kubernetes API did not answer before the request's deadline${last}${effect}`,
    error === undefined ? {} : { cause: error },
  );
}

/** The error to fail with after a transient failure, when it is not retried. */
function giveUp(
  error: unknown,
  attempt: number,
  options: RetryOptions,
  safety: CallSafety,
): UnavailableError | undefined {
  if (safety.idempotent === false && !isTooManyRequests(error)) {
    return new UnavailableError(
      `the Kubernetes API failed and the request is not repeated, as it may have taken effect: ${describe(error)}`,
      { cause: error },
    );
  }
  if (attempt >= (options.maxRetries ?? 5)) {
    return new UnavailableError(
      `the Kubernetes API kept failing after ${attempt + 1} attempts: ${describe(error)}`,
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Capped exponential backoff with "equal jitter": a random delay in [d/2, d], where
 * d = min(maxDelayMs, baseDelayMs * 2^attempt).
 */
function backoffMs(attempt: number, options: RetryOptions): number {
  const { baseDelayMs = 200, maxDelayMs = 5000, random = Math.random } = options;
  const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return backoff / 2 + random() * (backoff / 2);
}

function describe(error: unknown): string {
  if (error instanceof ApiException) return statusMessage(error).message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The pods istiod builds no workload for (istio `workloads.go podWorkloadBuilder`: Succeeded or
 * Failed, or no IP), as field selectors the API server answers for pods
 * (`PodToSelectableFields`: `status.podIP` is the first of `status.podIPs`), each with the part
 * of the status it proves. A metadata-only pod with such a status is one the domain reads as
 * without a workload (`hasWorkload`); every other pod has a phase that is not terminal and an IP,
 * so it has a workload, unless istiod cannot parse an IP the API server accepted (ADR 0002).
 */
const WITHOUT_WORKLOAD: readonly { fieldSelector: string; status: NonNullable<Pod['status']> }[] = [
  { fieldSelector: 'status.phase=Succeeded', status: { phase: 'Succeeded' } },
  { fieldSelector: 'status.phase=Failed', status: { phase: 'Failed' } },
  { fieldSelector: 'status.podIP=', status: { podIP: null, podIPs: [] } },
];

/** A pod as read whole: its model fields among many others. */
interface WholePod {
  readonly metadata: Pod['metadata'];
  readonly spec?: { readonly hostNetwork?: boolean | null } | null;
  readonly status?: NonNullable<Pod['status']> | null;
}

/** A whole pod reduced to its metadata and what says whether istiod builds it a workload. */
function lifecycleOf(pod: WholePod): Pod {
  const { phase, podIP, podIPs } = pod.status ?? {};
  return {
    metadata: pod.metadata,
    spec: { hostNetwork: pod.spec?.hostNetwork ?? null },
    status: { phase: phase ?? null, podIP: podIP ?? null, podIPs: podIPs ?? null },
  };
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/** Up to this many pods, existingPods reads each; past it, it lists the namespace's pods. */
const EXISTENCE_READS = 20;

/** The User-Agent that names the caller a write is made for (none without an actor). */
function actorHeader(options: WriteOptions): Record<string, string> {
  return options.actor === undefined ? {} : { 'User-Agent': actorUserAgent(options.actor) };
}

/**
 * Per-request options: extra headers and an abort signal (the request's timeout, and the call's
 * own signal when it has one), as client-node middleware.
 */
function requestOptions(
  timeoutMs: number,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): {
  middleware: ObservableMiddleware[];
  middlewareMergeStrategy: 'append';
} {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          for (const [key, value] of Object.entries(headers)) context.setHeaderParam(key, value);
          const timeout = AbortSignal.timeout(timeoutMs);
          context.setSignal(signal === undefined ? timeout : AbortSignal.any([timeout, signal]));
          return of(context);
        },
        post: (response: ResponseContext) => of(response),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** One page of a list, by client-node (which names the token `_continue`). */
type ListPage<T> = (page: {
  limit: number;
  _continue?: string;
}) => Promise<{ items: T[]; metadata?: { _continue?: string; continue?: string } }>;

/** A 410 Gone: the list's continue token expired (etcd compacted its revision). */
function isExpired(error: unknown): boolean {
  return (
    error instanceof UnavailableError &&
    error.cause instanceof ApiException &&
    error.cause.code === 410
  );
}

export class KubernetesCluster implements Cluster {
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #options: KubernetesClusterOptions;

  readonly #clock: Clock;

  constructor(kubeConfig: KubeConfig, options: KubernetesClusterOptions = {}) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#clock = options.clock ?? systemClock;
    const clock = this.#clock;
    this.#options = { ...options, sleep: options.sleep ?? ((ms) => clock.sleep(ms)) };
  }

  /** From a kubeconfig file (default: `$KUBECONFIG` or `~/.kube/config`) and context. */
  static fromKubeconfig(
    path?: string,
    context?: string,
    options: KubernetesClusterOptions = {},
  ): KubernetesCluster {
    const kc = new KubeConfig();
    if (path === undefined) kc.loadFromDefault();
    else kc.loadFromFile(path);
    if (context !== undefined) kc.setCurrentContext(context);
    return new KubernetesCluster(kc, options);
  }

  /**
   * From an EKS cluster: endpoint and CA by DescribeCluster, a bearer token renewed before 14 min
   * and, after a 401, renewed at once (`tokens.invalidate()`) for one more attempt. `eks` replaces
   * the EKS client (tests).
   */
  static async fromEks(
    clusterName: string,
    region: string,
    tokens: EksTokenSource,
    options: KubernetesClusterOptions = {},
    eks?: EksKubeConfigOptions['eks'],
  ): Promise<KubernetesCluster> {
    const kubeConfig = await eksKubeConfig({
      clusterName,
      region,
      tokens,
      ...(eks === undefined ? {} : { eks }),
    });
    return new KubernetesCluster(kubeConfig, {
      ...options,
      onUnauthorized: async () => {
        tokens.invalidate();
        await options.onUnauthorized?.();
      },
    });
  }

  async #call<T>(
    call: (options: ReturnType<typeof requestOptions>) => Promise<T>,
    { signal }: CallOptions,
    headers?: Record<string, string>,
    safety: CallSafety = {},
  ): Promise<T> {
    const timeout = this.#options.requestTimeoutMs ?? 10_000;
    const attempt = (): Promise<T> =>
      withRetries(
        () => call(requestOptions(timeout, headers, signal)),
        this.#options,
        safety,
        signal,
      );
    const { onUnauthorized } = this.#options;
    try {
      return await attempt();
    } catch (error) {
      // A 401 was not processed: renewing the credentials and asking again is always safe.
      if (!(error instanceof UnauthorizedError) || onUnauthorized === undefined) throw error;
      await onUnauthorized();
      return attempt();
    }
  }

  /**
   * Every page of a list. A continue token that expired (410 Gone, reason Expired) restarts the
   * list from the beginning, at most {@link MAX_LIST_RESTARTS} times.
   */
  async #pages<T>(list: ListPage<T>): Promise<T[]> {
    for (let restarts = 0; ; restarts++) {
      try {
        return await this.#allPages(list);
      } catch (error) {
        if (!isExpired(error) || restarts >= MAX_LIST_RESTARTS) throw error;
      }
    }
  }

  async #allPages<T>(list: ListPage<T>): Promise<T[]> {
    const items: T[] = [];
    const limit = this.#options.pageSize ?? 500;
    let token: string | undefined;
    do {
      const page = await list({ limit, ...(token === undefined ? {} : { _continue: token }) });
      items.push(...page.items);
      token = page.metadata?._continue ?? page.metadata?.continue;
    } while (token !== undefined && token !== '');
    return items;
  }

  #podsWithLabel(
    namespace: string | undefined,
    label: string,
    options: CallOptions,
    fieldSelector?: string,
  ): Promise<Pod[]> {
    const selectors = {
      labelSelector: label,
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
    };
    return this.#pages((page) =>
      this.#call(
        (o) =>
          namespace === undefined
            ? this.#core.listPodForAllNamespaces({ ...selectors, ...page }, o)
            : this.#core.listNamespacedPod({ namespace, ...selectors, ...page }, o),
        options,
        { Accept: METADATA_LIST },
      ),
    ) as Promise<Pod[]>;
  }

  #gateways(namespace: string | undefined, options: CallOptions): Promise<Gateway[]> {
    return this.#pages(
      (page) =>
        this.#call(
          (o) =>
            namespace === undefined
              ? this.#custom.listClusterCustomObject(
                  { group: GROUP, version: VERSION, plural: 'gateways', ...page },
                  o,
                )
              : this.#custom.listNamespacedCustomObject(
                  { group: GROUP, version: VERSION, namespace, plural: 'gateways', ...page },
                  o,
                ),
          options,
        ) as Promise<{ items: Gateway[]; metadata?: { continue?: string } }>,
    );
  }

  #gatewayClasses(options: CallOptions): Promise<GatewayClass[]> {
    return this.#pages(
      (page) =>
        this.#call(
          (o) =>
            this.#custom.listClusterCustomObject(
              { group: GROUP, version: VERSION, plural: 'gatewayclasses', ...page },
              o,
            ),
          options,
        ) as Promise<{
          items: GatewayClass[];
          metadata?: { continue?: string };
        }>,
    );
  }

  /**
   * Pods that carry either label the rules read, once each, metadata only; those istiod builds no
   * workload for carry the status that says so (see {@link WITHOUT_WORKLOAD}).
   */
  async #labelledPods(namespace: string | undefined, options: SnapshotOptions): Promise<Pod[]> {
    const lifecycle = options.lifecycle === false ? [] : WITHOUT_WORKLOAD;
    const lists = await Promise.all(
      [USE_WAYPOINT, GATEWAY_NAME].map(async (label) => {
        const [pods, ...skipped] = await Promise.all([
          this.#podsWithLabel(namespace, label, options),
          ...lifecycle.map((w) => this.#podsWithLabel(namespace, label, options, w.fieldSelector)),
        ]);
        return {
          pods: pods ?? [],
          skipped: lifecycle.map(({ status }, i) => ({
            keys: new Set((skipped[i] ?? []).map(podKey)),
            status,
          })),
        };
      }),
    );
    const seen = new Map<string, Pod>();
    for (const { pods } of lists) for (const pod of pods) seen.set(podKey(pod), pod);
    for (const { skipped } of lists) {
      for (const { keys, status } of skipped) {
        for (const key of keys) {
          const pod = seen.get(key);
          // A pod only in a field-selected list (created between the reads) is left out.
          if (pod !== undefined) seen.set(key, { ...pod, status: { ...pod.status, ...status } });
        }
      }
    }
    return [...seen.values()];
  }

  /**
   * ServiceEntries or WorkloadEntries (`networking.istio.io/v1`) of a namespace or of the cluster;
   * none where the API server does not serve them (Istio's CRDs not installed: 404).
   */
  async #istioEntries<T>(
    plural: 'serviceentries' | 'workloadentries',
    namespace: string | undefined,
    options: CallOptions,
  ): Promise<T[]> {
    const list = (page: { limit: number; _continue?: string }) =>
      this.#call(
        (o) =>
          namespace === undefined
            ? this.#custom.listClusterCustomObject(
                { group: ISTIO_NETWORKING_GROUP, version: VERSION, plural, ...page },
                o,
              )
            : this.#custom.listNamespacedCustomObject(
                { group: ISTIO_NETWORKING_GROUP, version: VERSION, namespace, plural, ...page },
                o,
              ),
        options,
      ) as Promise<{ items: T[]; metadata?: { continue?: string } }>;
    return (await this.#orNull(() => this.#pages(list))) ?? [];
  }

  /**
   * istiod's MeshConfig: `data.mesh` of the `istio` ConfigMap in `istio-system`, null when there is
   * none (istiod's defaults). A MeshConfig istiod could not use fails with a ValidationError naming
   * the ConfigMap and the field (§15.1 M3).
   */
  async meshConfig(options: CallOptions = {}): Promise<MeshConfig | null> {
    if (this.#options.meshConfig !== undefined) return this.#options.meshConfig;
    const configMap = await this.#orNull(
      () =>
        this.#call(
          (o) =>
            this.#core.readNamespacedConfigMap(
              { name: MESH_CONFIG_NAME, namespace: MESH_CONFIG_NAMESPACE },
              o,
            ),
          options,
        ) as Promise<{ metadata: ObjectMeta; data?: Record<string, string> }>,
    );
    const mesh = configMap?.data?.mesh;
    if (configMap === null || mesh === undefined) return null;
    const where = `ConfigMap ${MESH_CONFIG_NAMESPACE}/${MESH_CONFIG_NAME} data.mesh`;
    return parseMeshConfig(mesh, revisionOfMeshConfigMap(configMap), where);
  }

  /** Every Namespace, metadata only (their labels decide discovery, §15.1 M1). */
  #namespaces(options: CallOptions): Promise<Namespace[]> {
    return this.#pages((page) =>
      this.#call((o) => this.#core.listNamespace(page, o), options, { Accept: METADATA_LIST }),
    ) as Promise<Namespace[]>;
  }

  async namespaceSnapshot(
    namespace: string,
    options: SnapshotOptions = {},
  ): Promise<ClusterSnapshot> {
    const [ns, services, pods, gateways, gatewayClasses, serviceEntries, workloadEntries, mesh] =
      await Promise.all([
        this.getNamespace(namespace, options),
        this.#pages((page) =>
          this.#call((o) => this.#core.listNamespacedService({ namespace, ...page }, o), options),
        ) as Promise<Service[]>,
        this.#labelledPods(namespace, options),
        this.#gateways(undefined, options),
        this.#gatewayClasses(options),
        this.#istioEntries<ServiceEntry>('serviceentries', namespace, options),
        this.#istioEntries<WorkloadEntry>('workloadentries', namespace, options),
        this.meshConfig(options),
      ]);
    // With discovery selectors, whether a waypoint's namespace is discovered needs its labels.
    const peers =
      mesh !== null && mesh.discoverySelectors.length > 0
        ? (await this.#namespaces(options)).filter((n) => n.metadata.name !== namespace)
        : undefined;
    return {
      namespaces: ns === null ? [] : [ns],
      services,
      pods,
      gateways,
      gatewayClasses,
      serviceEntries,
      workloadEntries,
      meshConfig: mesh,
      ...(peers === undefined ? {} : { peerNamespaces: peers }),
    };
  }

  async clusterSnapshot(options: SnapshotOptions = {}): Promise<ClusterSnapshot> {
    const [
      namespaces,
      services,
      pods,
      gateways,
      gatewayClasses,
      serviceEntries,
      workloadEntries,
      meshConfig,
    ] = await Promise.all([
      this.#pages((page) =>
        this.#call((o) => this.#core.listNamespace(page, o), options),
      ) as Promise<Namespace[]>,
      this.#pages((page) =>
        this.#call((o) => this.#core.listServiceForAllNamespaces(page, o), options),
      ) as Promise<Service[]>,
      this.#labelledPods(undefined, options),
      this.#gateways(undefined, options),
      this.#gatewayClasses(options),
      this.#istioEntries<ServiceEntry>('serviceentries', undefined, options),
      this.#istioEntries<WorkloadEntry>('workloadentries', undefined, options),
      this.meshConfig(options),
    ]);
    return {
      namespaces,
      services,
      pods,
      gateways,
      gatewayClasses,
      serviceEntries,
      workloadEntries,
      meshConfig,
    };
  }

  async #orNull<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  getNamespace(name: string, options: CallOptions = {}): Promise<Namespace | null> {
    return this.#orNull(
      () => this.#call((o) => this.#core.readNamespace({ name }, o), options) as Promise<Namespace>,
    );
  }

  async existingPods(
    namespace: string,
    names: readonly string[],
    options: CallOptions = {},
  ): Promise<Pod[]> {
    if (names.length > EXISTENCE_READS) {
      // Many pods (a whole namespace unlabelled at once): one paged list, not a read per pod.
      const wanted = new Set(names);
      const all = await this.podsOf({ kind: 'pods', namespace, selector: '' }, options);
      return all.filter((pod) => wanted.has(pod.metadata.name));
    }
    const pods = await Promise.all(
      names.map((name) =>
        this.#orNull(
          () =>
            this.#call((o) => this.#core.readNamespacedPod({ name, namespace }, o), options, {
              Accept: METADATA,
            }) as Promise<Pod>,
        ),
      ),
    );
    return pods.filter((pod): pod is Pod => pod !== null);
  }

  getGateway(namespace: string, name: string, options: CallOptions = {}): Promise<Gateway | null> {
    return this.#orNull(
      () =>
        this.#call(
          (o) =>
            this.#custom.getNamespacedCustomObject(
              { group: GROUP, version: VERSION, namespace, plural: 'gateways', name },
              o,
            ),
          options,
        ) as Promise<Gateway>,
    );
  }

  listGateways(namespace?: string, options: CallOptions = {}): Promise<Gateway[]> {
    return this.#gateways(namespace, options);
  }

  applyGateway(
    manifest: Record<string, unknown>,
    options: { force?: boolean; dryRun?: boolean } & WriteOptions = {},
  ): Promise<Gateway> {
    const metadata = manifest.metadata as { name: string; namespace: string };
    return this.#call(
      (o) =>
        this.#custom.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: metadata.namespace,
            plural: 'gateways',
            name: metadata.name,
            body: manifest,
            fieldManager: FIELD_MANAGER,
            ...(options.force === true ? { force: true } : {}),
            ...(options.dryRun === true ? { dryRun: 'All' } : {}),
          },
          o,
        ),
      options,
      { 'Content-Type': APPLY, ...actorHeader(options) },
    ) as Promise<Gateway>;
  }

  async deleteGateway(
    namespace: string,
    name: string,
    options: { dryRun?: boolean } & WriteOptions = {},
  ): Promise<boolean> {
    // Not repeated after a 5xx or a stall: a first attempt that deleted it would make the
    // repeat say it did not exist.
    const deleted = await this.#orNull(() =>
      this.#call(
        (o) =>
          this.#custom.deleteNamespacedCustomObject(
            {
              group: GROUP,
              version: VERSION,
              namespace,
              plural: 'gateways',
              name,
              ...(options.dryRun === true ? { dryRun: 'All' } : {}),
            },
            o,
          ),
        options,
        actorHeader(options),
        { idempotent: false },
      ),
    );
    return deleted !== null;
  }

  /**
   * The pods a target names; named pods must all exist. A selector's pods are metadata only; a
   * pod named is read whole (one request either way) and keeps what says whether istiod builds it
   * a workload, so a pod explained by name is exact whether or not it is labelled.
   */
  async podsOf(target: LabelTarget & { kind: 'pods' }, options: CallOptions = {}): Promise<Pod[]> {
    const { namespace } = target;
    if ('selector' in target) {
      return this.#pages((page) =>
        this.#call(
          (o) =>
            this.#core.listNamespacedPod({ namespace, labelSelector: target.selector, ...page }, o),
          options,
          {
            Accept: METADATA_LIST,
          },
        ),
      ) as Promise<Pod[]>;
    }
    const pods: Pod[] = [];
    for (const name of target.names) {
      const pod = await this.#call(
        (o) => this.#core.readNamespacedPod({ name, namespace }, o),
        options,
      );
      pods.push(lifecycleOf(pod as unknown as WholePod));
    }
    return pods;
  }

  async setLabels(
    target: LabelTarget,
    labels: LabelChanges,
    options: { dryRun?: boolean; annotations?: LabelChanges } & WriteOptions = {},
  ): Promise<string[]> {
    const { annotations } = options;
    const body = { metadata: { labels, ...(annotations === undefined ? {} : { annotations }) } };
    const dryRun = options.dryRun === true ? { dryRun: 'All' } : {};
    const headers = { 'Content-Type': MERGE, ...actorHeader(options) };
    switch (target.kind) {
      case 'namespace':
        await this.#call(
          (o) =>
            this.#core.patchNamespace(
              { name: target.namespace, body, fieldManager: FIELD_MANAGER, ...dryRun },
              o,
            ),
          options,
          headers,
        );
        return [target.namespace];
      case 'service':
        await this.#call(
          (o) =>
            this.#core.patchNamespacedService(
              {
                name: target.name,
                namespace: target.namespace,
                body,
                fieldManager: FIELD_MANAGER,
                ...dryRun,
              },
              o,
            ),
          options,
          headers,
        );
        return [target.name];
      case 'pods': {
        const names = (await this.podsOf(target, options)).map((p) => p.metadata.name);
        for (const name of names) {
          await this.#call(
            (o) =>
              this.#core.patchNamespacedPod(
                { name, namespace: target.namespace, body, fieldManager: FIELD_MANAGER, ...dryRun },
                o,
              ),
            options,
            headers,
          );
        }
        return names;
      }
      case 'serviceentry':
      case 'workloadentry':
        await this.#call(
          (o) =>
            this.#custom.patchNamespacedCustomObject(
              {
                group: ISTIO_NETWORKING_GROUP,
                version: VERSION,
                namespace: target.namespace,
                plural: target.kind === 'serviceentry' ? 'serviceentries' : 'workloadentries',
                name: target.name,
                body,
                fieldManager: FIELD_MANAGER,
                ...dryRun,
              },
              o,
            ),
          options,
          headers,
        );
        return [target.name];
    }
  }

  /**
   * Reads the Gateway every `pollIntervalMs` until it is Programmed, by the injected clock; a
   * signal that aborts (the request's deadline) ends the wait as its timeout does.
   */
  async waitForProgrammed(
    namespace: string,
    name: string,
    timeoutMs: number,
    options: CallOptions = {},
  ): Promise<Gateway> {
    const clock = this.#clock;
    const deadline = clock.now().getTime() + timeoutMs;
    const interval = this.#options.pollIntervalMs ?? 1000;
    const { signal } = options;
    const timedOut = (cause?: unknown): TimeoutError =>
      new TimeoutError(`timed out while waiting for waypoint\t${namespace}/${name}`, { cause });
    for (;;) {
      const gateway = await this.getGateway(namespace, name, options).catch((error: unknown) => {
        throw aborted(signal) ? timedOut(error) : error;
      });
      if (gateway !== null && programmedStatus(gateway) === 'True') return gateway;
      if (clock.now().getTime() + interval > deadline || aborted(signal)) throw timedOut();
      await sleepUnless((ms) => clock.sleep(ms), interval, signal);
      if (aborted(signal)) throw timedOut();
    }
  }
}
