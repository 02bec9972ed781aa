/**
 * istiod, simulated: the part of Istio's Gateway controller that matters to waypoints. For a
 * Gateway of a class istiod controls it creates the waypoint's Service
 * (`gateway.istio.io/managed: istio.io-mesh-controller`) and pod
 * (`gateway.networking.k8s.io/gateway-name`), then, after a delay, sets `status.addresses` and the
 * Accepted and Programmed conditions, as `pilot/pkg/config/kube/gatewaycommon` does. Deleting the
 * Gateway removes what it made (owner-reference garbage collection).
 *
 * Given the binding rules ({@link EntryRules}), it also keeps the status conditions istiod's
 * ambient status queue writes on ServiceEntries and WorkloadEntries (`istio.io/WaypointBound`,
 * `istio.io/WaypointMissing`, `istio.io/VisibilityApplied`) up to date with the cluster, as
 * `pilot/pkg/serviceregistry/ambient/statusqueue` does: a condition the rules no longer give is
 * removed, others are left alone. The rules come from the caller, so that they live in one place.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { isoSeconds, type KubeApi } from './api.ts';
import type { RequestContext } from './audit.ts';
import {
  findResource,
  GATEWAY_GROUP,
  ISTIO_NETWORKING_GROUP,
  RESOURCES,
  type ResourceType,
} from './resources.ts';
import { ApiError } from './status.ts';
import type { KubeObject, StoredEvent } from './store.ts';

/** The `controllerName` of the GatewayClasses istiod creates and serves (Istio's `constants.ManagedGatewayMeshController`). */
const MESH_CONTROLLER_NAME = 'istio.io/mesh-controller';

const GATEWAYS = findResource(GATEWAY_GROUP, 'v1', 'gateways') as ResourceType;
const CLASSES = findResource(GATEWAY_GROUP, 'v1', 'gatewayclasses') as ResourceType;
const SERVICES = findResource('', 'v1', 'services') as ResourceType;
const PODS = findResource('', 'v1', 'pods') as ResourceType;
const SERVICE_ENTRIES = findResource(
  ISTIO_NETWORKING_GROUP,
  'v1',
  'serviceentries',
) as ResourceType;
const WORKLOAD_ENTRIES = findResource(
  ISTIO_NETWORKING_GROUP,
  'v1',
  'workloadentries',
) as ResourceType;

/** The condition types istiod's ambient status queue owns on ServiceEntries and WorkloadEntries. */
export const ENTRY_CONDITION_TYPES: readonly string[] = [
  'istio.io/WaypointBound',
  'istio.io/WaypointMissing',
  'istio.io/VisibilityApplied',
];

/** Every stored object, by resource plural (`namespaces`, `serviceentries`, `configmaps`...). */
export type ClusterObjects = Readonly<Record<string, readonly KubeObject[]>>;

/** The conditions istiod writes on one ServiceEntry or WorkloadEntry. */
export interface EntryStatus {
  readonly kind: 'ServiceEntry' | 'WorkloadEntry';
  readonly namespace: string;
  readonly name: string;
  readonly conditions: Readonly<
    Record<string, { readonly status: string; readonly reason: string; readonly message: string }>
  >;
}

/** The binding rules: the status of each ServiceEntry and WorkloadEntry istiod configures. */
export type EntryRules = (objects: ClusterObjects) => readonly EntryStatus[];

const MANAGED = { 'gateway.istio.io/managed': 'istio.io-mesh-controller' };

export interface IstiodOptions {
  /** How long a new waypoint takes to become ready (its pod starting). */
  readonly readyDelayMs?: number;
  /** The rules of the conditions on ServiceEntries and WorkloadEntries; none written without. */
  readonly entryRules?: EntryRules;
}

type Anything = Record<string, unknown>;

export class SimulatedIstiod {
  readonly #api: KubeApi;
  #readyDelayMs: number;
  readonly #unready = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stop: (() => void) | undefined;
  readonly #context: RequestContext = {
    user: {
      username: 'system:serviceaccount:istio-system:istiod',
      groups: [
        'system:serviceaccounts',
        'system:serviceaccounts:istio-system',
        'system:authenticated',
      ],
    },
    userAgent: 'pilot-discovery/1.30.3',
    sourceIp: '10.244.0.5',
    requestUri: '',
    verb: '',
  };

  #entryRules: EntryRules | undefined;
  #entryTimer: NodeJS.Timeout | undefined;

  constructor(api: KubeApi, options: IstiodOptions = {}) {
    this.#api = api;
    this.#readyDelayMs = options.readyDelayMs ?? 1000;
    this.#entryRules = options.entryRules;
  }

  /** Sets (or clears) the rules of the entries' conditions, and writes them at once. */
  set entryRules(rules: EntryRules | undefined) {
    this.#entryRules = rules;
    this.#scheduleEntryStatus();
  }

  set readyDelayMs(ms: number) {
    this.#readyDelayMs = ms;
  }

  /** Keeps a waypoint (`namespace/name`, or `*` for all) from becoming ready, or lets it go. */
  keepUnready(key: string, unready = true): void {
    if (unready) this.#unready.add(key);
    else this.#unready.delete(key);
    if (!unready) this.#reconcileAll();
  }

  /** Creates the built-in `istio-waypoint` class and reconciles what exists; then follows changes. */
  start(): void {
    if (this.#api.store.get(CLASSES, undefined, 'istio-waypoint') === undefined) {
      this.#write(() =>
        this.#api.create(
          this.#ctx('create', '/apis/gateway.networking.k8s.io/v1/gatewayclasses'),
          CLASSES,
          undefined,
          {
            apiVersion: `${GATEWAY_GROUP}/v1`,
            kind: 'GatewayClass',
            metadata: { name: 'istio-waypoint' },
            spec: {
              controllerName: MESH_CONTROLLER_NAME,
              description: 'The default Istio waypoint GatewayClass',
            },
          },
        ),
      );
    }
    this.#reconcileAll();
    this.#stop = this.#api.store.watch(this.#api.store.revision, (event) => this.#onEvent(event));
    this.#scheduleEntryStatus();
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
    clearTimeout(this.#entryTimer);
    this.#entryTimer = undefined;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #ctx(verb: string, requestUri: string): RequestContext {
    return { ...this.#context, verb, requestUri };
  }

  /** Runs one write; a controller retries on its next event, so conflicts and races are expected. */
  #write(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  /** Reacts after the write that caused the event completes, like a controller's work queue. */
  #onEvent(event: StoredEvent): void {
    queueMicrotask(() => this.#react(event));
  }

  #react(event: StoredEvent): void {
    if (this.#stop === undefined) return;
    this.#scheduleEntryStatus();
    if (event.resource === CLASSES) {
      this.#reconcileAll();
      return;
    }
    if (event.resource !== GATEWAYS) return;
    if (event.type === 'DELETED') this.#collect(event.object);
    else this.#reconcile(event.object);
  }

  #reconcileAll(): void {
    for (const gateway of this.#api.store.list(GATEWAYS)) this.#reconcile(gateway);
  }

  #controls(gateway: KubeObject): boolean {
    const className = (gateway.spec as Anything | undefined)?.gatewayClassName;
    const gatewayClass =
      typeof className === 'string'
        ? this.#api.store.get(CLASSES, undefined, className)
        : undefined;
    return (gatewayClass?.spec as Anything | undefined)?.controllerName === MESH_CONTROLLER_NAME;
  }

  #reconcile(gateway: KubeObject): void {
    if (!this.#controls(gateway) || gateway.metadata.deletionTimestamp !== undefined) return;
    const ns = gateway.metadata.namespace as string;
    const name = gateway.metadata.name;
    this.#ensureService(gateway, ns, name);
    this.#ensurePod(gateway, ns, name);
    const key = `${ns}/${name}`;
    const unready = this.#unready.has(key) || this.#unready.has('*');
    const status = gateway.status as Anything | undefined;
    const addresses = Array.isArray(status?.addresses) ? status.addresses : [];
    if (addresses.length > 0 || unready) {
      this.#setStatus(gateway, addresses.length > 0, unready);
      return;
    }
    this.#setStatus(gateway, false, true);
    if (this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      const live = this.#api.store.get(GATEWAYS, ns, name);
      if (live !== undefined && !this.#unready.has(key) && !this.#unready.has('*'))
        this.#setStatus(live, true, false);
    }, this.#readyDelayMs);
    this.#timers.set(key, timer);
  }

  /** Writes Accepted, Programmed and addresses; a ready waypoint keeps its addresses (W2). */
  #setStatus(gateway: KubeObject, ready: boolean, degraded: boolean): void {
    const ns = gateway.metadata.namespace as string;
    const name = gateway.metadata.name;
    const host = `${name}.${ns}.svc.cluster.local`;
    const generation = gateway.metadata.generation ?? 1;
    const previous = ((gateway.status as Anything | undefined)?.conditions ?? []) as Anything[];
    const condition = (type: string, ok: boolean, reason: string, message: string): Anything => {
      const before = previous.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      const since =
        before?.status === status
          ? (before.lastTransitionTime as string)
          : isoSeconds(this.#api.now());
      return {
        type,
        status,
        reason,
        message,
        observedGeneration: generation,
        lastTransitionTime: since,
      };
    };
    const programmed = ready && !degraded;
    const status: Anything = {
      ...(ready ? { addresses: [{ type: 'Hostname', value: host }] } : {}),
      conditions: [
        condition('Accepted', true, 'Accepted', 'Resource accepted'),
        programmed
          ? condition(
              'Programmed',
              true,
              'Programmed',
              `Resource programmed, assigned to service(s) ${host}:15008`,
            )
          : condition(
              'Programmed',
              false,
              'Pending',
              `Deployment ${name} is not ready: waiting for its pods`,
            ),
      ],
    };
    if (isDeepStrictEqual(status, gateway.status)) return;
    const uri = `/apis/${GATEWAY_GROUP}/v1/namespaces/${ns}/gateways/${name}/status`;
    this.#write(() =>
      this.#api.patch(
        this.#ctx('patch', uri),
        GATEWAYS,
        ns,
        name,
        'application/merge-patch+json',
        JSON.stringify({ status }),
        {
          fieldManager: 'istio.io/gateway-controller',
          subresource: 'status',
        },
      ),
    );
  }

  #labels(gateway: KubeObject): Record<string, string> {
    return {
      ...gateway.metadata.labels,
      ...MANAGED,
      'gateway.networking.k8s.io/gateway-name': gateway.metadata.name,
    };
  }

  #ownerReferences(gateway: KubeObject): Anything[] {
    return [
      {
        apiVersion: `${GATEWAY_GROUP}/v1`,
        kind: 'Gateway',
        name: gateway.metadata.name,
        uid: gateway.metadata.uid,
      },
    ];
  }

  #ensureService(gateway: KubeObject, ns: string, name: string): void {
    if (this.#api.store.get(SERVICES, ns, name) !== undefined) return;
    const declared = (gateway.spec as Anything).listeners;
    const listeners = (Array.isArray(declared) ? declared : []) as Anything[];
    const ports = [
      { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
      ...listeners.map((l) => ({
        name: l.name,
        port: l.port,
        protocol: 'TCP',
        ...(l.protocol === 'HBONE' ? { appProtocol: 'hbone' } : {}),
      })),
    ];
    this.#write(() =>
      this.#api.create(
        this.#ctx('create', `/api/v1/namespaces/${ns}/services`),
        SERVICES,
        ns,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name,
            namespace: ns,
            labels: this.#labels(gateway),
            ownerReferences: this.#ownerReferences(gateway),
          },
          spec: {
            type: 'ClusterIP',
            selector: { 'gateway.networking.k8s.io/gateway-name': name },
            ports,
          },
        },
        { fieldManager: 'istio.io/gateway-controller' },
      ),
    );
  }

  #ensurePod(gateway: KubeObject, ns: string, name: string): void {
    const existing = this.#api.store
      .list(PODS, ns)
      .some((p) => p.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === name);
    if (existing) return;
    const hash = randomBytes(5).toString('hex');
    const podName = `${name}-${hash.slice(0, 9)}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    this.#write(() =>
      this.#api.create(
        this.#ctx('create', `/api/v1/namespaces/${ns}/pods`),
        PODS,
        ns,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: podName,
            namespace: ns,
            labels: {
              ...this.#labels(gateway),
              'istio.io/dataplane-mode': 'none',
              'sidecar.istio.io/inject': 'false',
              'service.istio.io/canonical-name': name,
              'service.istio.io/canonical-revision': 'latest',
            },
          },
          spec: {
            serviceAccountName: name,
            containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.30.3' }],
          },
        },
        { fieldManager: 'kube-controller-manager' },
      ),
    );
  }

  /** One recomputation of the entries' conditions after a burst of changes (a work queue of one). */
  #scheduleEntryStatus(): void {
    if (this.#entryRules === undefined || this.#entryTimer !== undefined) return;
    if (this.#stop === undefined) return;
    this.#entryTimer = setTimeout(() => {
      this.#entryTimer = undefined;
      this.#writeEntryStatus();
    }, 0);
  }

  #writeEntryStatus(): void {
    const rules = this.#entryRules;
    if (rules === undefined || this.#stop === undefined) return;
    const objects: Record<string, readonly KubeObject[]> = {};
    for (const type of RESOURCES) objects[type.plural] = this.#api.store.list(type);
    for (const entry of rules(objects)) {
      const type = entry.kind === 'ServiceEntry' ? SERVICE_ENTRIES : WORKLOAD_ENTRIES;
      const live = this.#api.store.get(type, entry.namespace, entry.name);
      if (live !== undefined) this.#setEntryConditions(type, live, entry);
    }
  }

  /** Sets the conditions istiod owns as `entry` gives them, keeping every other condition. */
  #setEntryConditions(type: ResourceType, live: KubeObject, entry: EntryStatus): void {
    const status = (live.status ?? {}) as Anything;
    const previous = (Array.isArray(status.conditions) ? status.conditions : []) as Anything[];
    const now = isoSeconds(this.#api.now());
    const generation = live.metadata.generation ?? 1;
    const kept = previous.filter((c) => !ENTRY_CONDITION_TYPES.includes(String(c.type)));
    const owned = Object.entries(entry.conditions).map(([conditionType, c]) => {
      const before = previous.find((p) => p.type === conditionType);
      return {
        type: conditionType,
        status: c.status,
        reason: c.reason,
        message: c.message,
        observedGeneration: generation,
        lastTransitionTime:
          before?.status === c.status ? (before.lastTransitionTime as string) : now,
      };
    });
    const conditions = [...kept, ...owned];
    if (isDeepStrictEqual(conditions, previous)) return;
    const uri = `/apis/${ISTIO_NETWORKING_GROUP}/v1/namespaces/${entry.namespace}/${type.plural}/${entry.name}/status`;
    this.#write(() =>
      this.#api.patch(
        this.#ctx('patch', uri),
        type,
        entry.namespace,
        entry.name,
        'application/merge-patch+json',
        JSON.stringify({ status: { ...status, conditions } }),
        { fieldManager: 'pilot-discovery', subresource: 'status' },
      ),
    );
  }

  /** Garbage collection of what a deleted Gateway owned. */
  #collect(gateway: KubeObject): void {
    const ns = gateway.metadata.namespace as string;
    const name = gateway.metadata.name;
    const owned = (o: KubeObject): boolean =>
      o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === name &&
      o.metadata.labels?.['gateway.istio.io/managed'] === 'istio.io-mesh-controller';
    for (const type of [SERVICES, PODS]) {
      for (const object of this.#api.store.list(type, ns).filter(owned)) {
        const uri = `/api/v1/namespaces/${ns}/${type.plural}/${object.metadata.name}`;
        this.#write(() =>
          this.#api.delete(
            {
              ...this.#ctx('delete', uri),
              user: {
                username: 'system:serviceaccount:kube-system:generic-garbage-collector',
                groups: ['system:serviceaccounts', 'system:authenticated'],
              },
            },
            type,
            ns,
            object.metadata.name,
          ),
        );
      }
    }
  }
}
