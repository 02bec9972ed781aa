/**
 * The binding engine: which waypoint each Service and Pod is bound to, exactly as istiod decides.
 *
 * A port of istio/istio 1.30.3 `pilot/pkg/serviceregistry/ambient/waypoints.go`
 * (`getUseWaypoint`, `fetchWaypointForTarget`, `fetchWaypointForService`, `fetchWaypointForWorkload`,
 * `fetchWaypointForInstance`, `Report*`), `services.go` (`serviceServiceBuilder`,
 * `ingressUseWaypointFromLabels`) and `pilot/pkg/model/service.go` (`GetConditions`).
 * Rule ids (P1, R1, K1, ...) refer to docs/istio-semantics.md.
 *
 * Pods are bound by their labels alone: istiod builds a workload only for Running or Pending pods
 * with an IP and without host networking, and the waypoint it gives that workload is the one
 * computed here. Lifecycle is left out so that a binding does not flap while pods start and stop.
 */

import { isIP } from 'node:net';
import { type Canary, type CanaryResolution, canaryRef, resolveCanary } from './canary.ts';
import { atLeast, type IstioVersion } from './istio-version.ts';
import {
  EAST_WEST_CONTROLLER,
  GATEWAY_MANAGED,
  GATEWAY_NAME,
  INGRESS_USE_WAYPOINT,
  MESH_CONTROLLER,
  NO_WAYPOINT,
  USE_WAYPOINT,
  USE_WAYPOINT_NAMESPACE,
} from './labels.ts';
import { istiodView } from './mesh-config.ts';
import {
  type ClusterSnapshot,
  istioVersionOf,
  type ObjectMeta,
  type Pod,
  type Service,
  type StringMap,
} from './model.ts';
import type { ServiceEntryBinding, WorkloadEntryBinding } from './service-entries.ts';
import {
  attachmentDenied,
  type BindingError,
  type BindingReason,
  formatRef,
  notReady,
  unsupportedTrafficType,
  type WaypointRef,
} from './status.ts';
import {
  allowsAttachment,
  indexWaypoints,
  namespaceLabelsByName,
  type Waypoint,
  type WaypointIndex,
} from './waypoints.ts';

export type { BindingError, BindingReason, Canary, WaypointRef };
export { formatRef };

/** The `istio.io/WaypointBound` condition istiod writes on a Service. */
export interface WaypointBoundCondition {
  readonly status: 'True' | 'False';
  readonly reason: BindingReason;
  readonly message: string;
}

/** Where the `istio.io/use-waypoint` label that decided a binding sits. */
export type ServiceVia = 'service' | 'namespace';
export type PodVia = 'pod' | 'namespace';

/** The waypoint for traffic addressed to a Service (its VIP or hostname). */
export interface ServiceBinding {
  readonly namespace: string;
  readonly name: string;
  readonly waypoint: WaypointRef | null;
  /** The canary beside `waypoint` (Istio 1.31+, §5.1), null when none applies. */
  readonly canary: Canary | null;
  readonly via: ServiceVia | null;
  readonly condition: WaypointBoundCondition | null;
}

/** The waypoint for traffic addressed to a Pod (its workload IP). */
export interface PodBinding {
  readonly namespace: string;
  readonly name: string;
  readonly waypoint: WaypointRef | null;
  readonly via: PodVia | null;
  /**
   * `false` when istiod builds no workload for the pod now (Succeeded or Failed, or no IP; K6, K7):
   * it is bound to nothing. Absent otherwise, and in the published (compact) form (ADR 0002).
   */
  readonly workload?: false;
}

/** The workload binding every pod of a namespace gets unless it carries its own label. */
export interface NamespaceBinding {
  readonly namespace: string;
  readonly waypoint: WaypointRef | null;
  readonly via: 'namespace' | null;
}

/** Bindings of a cluster or of one namespace. */
export interface BindingSet {
  readonly services: readonly ServiceBinding[];
  readonly pods: readonly PodBinding[];
  /** The default workload binding of each namespace (what an unlabelled pod gets). */
  readonly namespaces: readonly NamespaceBinding[];
  /**
   * ServiceEntries (§15): in the published state of a namespace; absent reads as none (a state
   * stored before entries were published, and every binding set of Services and Pods alone).
   */
  readonly serviceEntries?: readonly ServiceEntryBinding[];
  /** WorkloadEntries and inline endpoints of ServiceEntries (§15); absent reads as none. */
  readonly workloadEntries?: readonly WorkloadEntryBinding[];
}

/**
 * The bindings of nothing: a namespace that does not exist (or no longer does), and the state
 * stored before a namespace's first reconcile.
 *
 * @example
 * diff(EMPTY_BINDINGS, computeNamespaceBindings(snapshot, 'default')); // every binding is new
 */
export const EMPTY_BINDINGS: BindingSet = Object.freeze({ services: [], pods: [], namespaces: [] });

/** The outcome of `fetchWaypointForTarget` for one object, with where the reference came from. */
export interface Resolution {
  readonly waypoint: Waypoint | null;
  readonly via: 'object' | 'namespace' | null;
  readonly error: BindingError | null;
}

type UseWaypoint = { kind: 'absent' } | { kind: 'none' } | { kind: 'ref'; ref: WaypointRef };

/** `getUseWaypoint` (rules P1-P5). */
export function parseUseWaypoint(
  labels: StringMap | undefined,
  defaultNamespace: string,
): UseWaypoint {
  const value = labels?.[USE_WAYPOINT];
  if (value === undefined) return { kind: 'absent' };
  if (value === NO_WAYPOINT) return { kind: 'none' };
  const namespace = labels?.[USE_WAYPOINT_NAMESPACE] ?? defaultNamespace;
  return { kind: 'ref', ref: { namespace, name: value } };
}

/**
 * Whether `ref` is `waypoint` (same namespace and name); null is no waypoint.
 *
 * @example
 * sameWaypoint({ namespace: 'default', name: 'waypoint-east' }, { namespace: 'default', name: 'waypoint' }); // false
 */
export function sameWaypoint(ref: WaypointRef | null, waypoint: WaypointRef): boolean {
  return ref !== null && ref.namespace === waypoint.namespace && ref.name === waypoint.name;
}

/**
 * Reads a snapshot once (waypoints, namespace labels) and answers binding questions about its
 * objects; build one per snapshot and reuse it.
 *
 * @example
 * const context = new BindingContext(snapshot);
 * context.bindService(reviews).waypoint; // => { namespace: 'default', name: 'waypoint' }
 */
export class BindingContext {
  readonly waypoints: WaypointIndex;
  readonly namespaceLabels: ReadonlyMap<string, StringMap>;
  /** The Istio version whose rules apply (the snapshot's). */
  readonly istioVersion: IstioVersion;
  readonly #namespaceAnnotations: ReadonlyMap<string, StringMap>;
  readonly #namespaceDefaults = new Map<string, Resolution>();

  constructor(snapshot: ClusterSnapshot) {
    // Waypoints of namespaces istiod does not discover do not exist for it (§15.1 M2).
    const seen = istiodView(snapshot);
    this.waypoints = indexWaypoints(seen.gateways, seen.gatewayClasses);
    this.namespaceLabels = namespaceLabelsByName(snapshot.namespaces);
    this.istioVersion = istioVersionOf(snapshot);
    this.#namespaceAnnotations = new Map(
      snapshot.namespaces.map((n) => [n.metadata.name, n.metadata.annotations ?? {}]),
    );
  }

  #lookup(ref: WaypointRef, fromNamespace: string, via: Resolution['via']): Resolution {
    const waypoint = this.waypoints.get(formatRef(ref));
    if (waypoint === undefined) return { waypoint: null, via, error: notReady(ref) };
    if (!allowsAttachment(waypoint, fromNamespace, this.namespaceLabels.get(fromNamespace))) {
      return { waypoint: null, via, error: attachmentDenied(ref) };
    }
    return { waypoint, via, error: null };
  }

  /** The namespace step of `fetchWaypointForTarget` (R3, R6), cached per namespace. */
  namespaceResolution(namespace: string): Resolution {
    let resolution = this.#namespaceDefaults.get(namespace);
    if (resolution === undefined) {
      const labels = this.namespaceLabels.get(namespace);
      const use = labels === undefined ? null : parseUseWaypoint(labels, namespace);
      resolution =
        use?.kind === 'ref'
          ? this.#lookup(use.ref, namespace, 'namespace')
          : { waypoint: null, via: null, error: null };
      this.#namespaceDefaults.set(namespace, resolution);
    }
    return resolution;
  }

  /** `fetchWaypointForTarget`: the object's label wins in every outcome (R1, R2, R4). */
  resolve(meta: ObjectMeta): Resolution {
    const namespace = meta.namespace ?? '';
    const use = parseUseWaypoint(meta.labels, namespace);
    if (use.kind === 'none') return { waypoint: null, via: 'object', error: null };
    if (use.kind === 'ref') return this.#lookup(use.ref, namespace, 'object');
    return this.namespaceResolution(namespace);
  }

  /** Whether a pod is an instance of a usable waypoint in its own namespace (K1, K2). */
  isWaypointInstance(pod: Pod): boolean {
    const gatewayName = pod.metadata.labels?.[GATEWAY_NAME];
    return (
      gatewayName !== undefined &&
      gatewayName !== '' &&
      this.waypoints.has(`${pod.metadata.namespace ?? ''}/${gatewayName}`)
    );
  }

  /** `fetchWaypointForService`: exempt Services, then resolution and the traffic type check (R5). */
  serviceOutcome(service: Service): {
    waypoint: Waypoint | null;
    via: ServiceVia | null;
    error: BindingError | null;
  } {
    if (isExemptService(service)) return { waypoint: null, via: null, error: null };
    const resolution = this.resolve(service.metadata);
    const via = resolution.via === 'object' ? 'service' : resolution.via;
    const { waypoint, error } = resolution;
    if (error !== null || waypoint === null) return { waypoint: null, via, error };
    if (servesServices(waypoint)) return { waypoint, via, error: null };
    return { waypoint: null, via, error: unsupportedTrafficType(refOf(waypoint), 'service') };
  }

  /**
   * The canary of a Service bound to `primary` (§5.1, N1-N9): none before Istio 1.31. The caller
   * gives the object's meta, so a ServiceEntry resolves its canary the same way.
   */
  canaryOf(meta: ObjectMeta, primary: WaypointRef): CanaryResolution {
    if (!atLeast(this.istioVersion, '1.31')) return { kind: 'none' };
    const namespace = meta.namespace ?? '';
    const labels = this.namespaceLabels.get(namespace);
    return resolveCanary({
      object: { namespace, labels: meta.labels, annotations: meta.annotations },
      namespace:
        labels === undefined
          ? undefined
          : { labels, annotations: this.#namespaceAnnotations.get(namespace) },
      primary,
      waypoints: this.waypoints,
      namespaceLabels: (name) => this.namespaceLabels.get(name),
    });
  }

  /** The waypoint for service-addressed traffic, with the condition istiod writes (§6, §9, §5.1). */
  bindService(service: Service): ServiceBinding {
    const { namespace = '', name } = service.metadata;
    const { waypoint, via, error } = this.serviceOutcome(service);
    if (error !== null) {
      const condition = { status: 'False', reason: error.reason, message: error.message } as const;
      return { namespace, name, waypoint: null, canary: null, via, condition };
    }
    if (waypoint === null)
      return { namespace, name, waypoint: null, canary: null, via, condition: null };
    const ref = refOf(waypoint);
    const canary = this.canaryOf(service.metadata, ref);
    const message = acceptedMessage(
      ref,
      service.metadata.labels,
      this.namespaceLabels.get(namespace),
      canary.kind === 'failed' ? canary.error : null,
    );
    const condition = { status: 'True', reason: 'WaypointAccepted', message } as const;
    return {
      namespace,
      name,
      waypoint: ref,
      canary: canary.kind === 'canary' ? canary.canary : null,
      via,
      condition,
    };
  }

  /**
   * The waypoint for workload-addressed traffic to a pod (§7). A pod istiod builds no workload for
   * (K6, K7) is bound to nothing, unless `lifecycle` is false: then it gets the binding its
   * workload has whenever it has one (the published form, ADR 0002).
   */
  bindPod(pod: Pod, lifecycle = true): PodBinding {
    const { namespace = '', name } = pod.metadata;
    if (lifecycle && !hasWorkload(pod))
      return { namespace, name, waypoint: null, via: null, workload: false };
    const { waypoint, via } = this.podOutcome(pod);
    return { namespace, name, waypoint: waypoint === null ? null : refOf(waypoint), via };
  }

  /**
   * `fetchWaypointForWorkload`, with the error istiod keeps (UnsupportedTrafficType only for the
   * pod's own label, 1.30+). A namespace waypoint that does not serve workloads does not apply to
   * pods at all: no waypoint, no error, and so no `via`.
   */
  podOutcome(pod: Pod): {
    waypoint: Waypoint | null;
    via: PodVia | null;
    error: BindingError | null;
  } {
    if (this.isWaypointInstance(pod)) return { waypoint: null, via: null, error: null };
    const resolution = this.resolve(pod.metadata);
    const via = resolution.via === 'object' ? 'pod' : resolution.via;
    const { waypoint, error } = resolution;
    if (error !== null || waypoint === null) return { waypoint: null, via, error };
    if (servesWorkloads(waypoint)) return { waypoint, via, error: null };
    if (resolution.via !== 'object') return { waypoint: null, via: null, error: null };
    return { waypoint: null, via, error: unsupportedTrafficType(refOf(waypoint), 'workload') };
  }

  /** What an unlabelled pod of `namespace` that is no waypoint instance is bound to. */
  bindNamespace(namespace: string): NamespaceBinding {
    const { waypoint, error } = this.namespaceResolution(namespace);
    if (waypoint !== null && servesWorkloads(waypoint)) {
      return { namespace, waypoint: refOf(waypoint), via: 'namespace' };
    }
    return { namespace, waypoint: null, via: error === null ? null : 'namespace' };
  }
}

function refOf(waypoint: Waypoint): WaypointRef {
  return { namespace: waypoint.namespace, name: waypoint.name };
}

/**
 * Whether istiod builds a workload for `pod` (istio/istio 1.31.0-rc.0 `workloads.go
 * podWorkloadBuilder` L690-707, `getPodIPs` L805-810; `pkg/kube/util.go CheckPodTerminal`
 * L206-208): not Succeeded or Failed (K6), and at least one IP, every one parseable (K7). Host
 * networking does not matter (K8). A pod read without its status (metadata only) is assumed to
 * have one.
 */
export function hasWorkload(pod: Pod): boolean {
  const status = pod.status;
  if (status === undefined || status === null) return true;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  const ips =
    status.podIPs !== undefined && status.podIPs !== null && status.podIPs.length > 0
      ? status.podIPs.map((p) => p.ip)
      : status.podIP
        ? [status.podIP]
        : [];
  return ips.length > 0 && ips.every((ip) => isIP(ip) !== 0);
}

/** Whether a waypoint takes workload-addressed traffic (`workload` or `all`). */
export function servesWorkloads(waypoint: Waypoint): boolean {
  return waypoint.trafficType === 'workload' || waypoint.trafficType === 'all';
}

/** Whether a waypoint takes service-addressed traffic (`service` or `all`). */
export function servesServices(waypoint: Waypoint): boolean {
  return waypoint.trafficType === 'service' || waypoint.trafficType === 'all';
}

/** ExternalName Services are not in WDS; waypoint and east-west Services never get a waypoint. */
function isExemptService(service: Service): boolean {
  if (service.spec?.type === 'ExternalName') return true;
  const managed = service.metadata.labels?.[GATEWAY_MANAGED];
  return managed === MESH_CONTROLLER || managed === EAST_WEST_CONTROLLER;
}

/** Go's `strconv.ParseBool`. */
function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/**
 * `ServiceInfo.GetConditions` with `ingressUseWaypointFromLabels` (Service label, else Namespace),
 * and the canary failure istiod appends (1.31+, N8; `service.go` L1384-1389).
 */
function acceptedMessage(
  ref: WaypointRef,
  serviceLabels: StringMap | undefined,
  namespaceLabels: StringMap | undefined,
  canaryError: BindingError | null,
): string {
  const canary =
    canaryError === null ? '' : `. Canary waypoint not attached: ${canaryError.message}`;
  const base = `Successfully attached to waypoint ${formatRef(ref)}`;
  const value = serviceLabels?.[INGRESS_USE_WAYPOINT] ?? namespaceLabels?.[INGRESS_USE_WAYPOINT];
  if (value === undefined) return `${base}${canary}`;
  if (parseGoBool(value) === true)
    return `${base}. Ingress traffic will traverse the waypoint${canary}`;
  return `${base}. Ingress traffic is not using the waypoint, set the istio.io/ingress-use-waypoint label to true if desired.${canary}`;
}

/** Orders entries by namespace, then name (byte order, as kubectl sorts). */
export function byNamespaceAndName(
  a: { readonly namespace: string; readonly name: string },
  b: { readonly namespace: string; readonly name: string },
): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

function namespacesOf(snapshot: ClusterSnapshot): string[] {
  const names = new Set<string>(snapshot.namespaces.map((n) => n.metadata.name));
  for (const s of snapshot.services) names.add(s.metadata.namespace ?? '');
  for (const p of snapshot.pods) names.add(p.metadata.namespace ?? '');
  return [...names].sort();
}

/**
 * Every Service's and every Pod's binding, plus each namespace's default workload binding.
 * Entries are sorted by namespace, then name.
 *
 * @example
 * computeBindings(snapshot).services.filter((s) => s.condition?.status === 'False');
 */
export function computeBindings(
  snapshot: ClusterSnapshot,
  context = new BindingContext(snapshot),
): BindingSet {
  const services = snapshot.services.map((s) => context.bindService(s)).sort(byNamespaceAndName);
  const pods = snapshot.pods.map((p) => context.bindPod(p)).sort(byNamespaceAndName);
  const namespaces = namespacesOf(snapshot).map((n) => context.bindNamespace(n));
  return { services, pods, namespaces };
}

/**
 * The part of `bindings` bound to `waypoint`: Services, Pods and namespace defaults whose traffic
 * goes through it (by their own label or their namespace's).
 *
 * @example
 * boundTo(computeBindings(snapshot), { namespace: 'default', name: 'waypoint' }).services.length
 */
export function boundTo(bindings: BindingSet, waypoint: WaypointRef): BindingSet {
  return {
    services: bindings.services.filter((s) => sameWaypoint(s.waypoint, waypoint)),
    pods: bindings.pods.filter((p) => sameWaypoint(p.waypoint, waypoint)),
    namespaces: bindings.namespaces.filter((n) => sameWaypoint(n.waypoint, waypoint)),
  };
}

/** Whether a pod can differ from its namespace's default: it carries a label the rules read. */
export function hasOwnBinding(pod: Pod): boolean {
  const labels = pod.metadata.labels;
  return (
    labels !== undefined &&
    (labels[USE_WAYPOINT] !== undefined || labels[GATEWAY_NAME] !== undefined)
  );
}

/**
 * The compact form of one namespace: every Service, the namespace default, and only the
 * pods that carry `istio.io/use-waypoint` or `gateway.networking.k8s.io/gateway-name`. Every other
 * pod of the namespace is bound exactly as `namespaces[0]` says, so the form is exact for any pod
 * count. The snapshot may hold only those labelled pods (select them by label existence).
 * With `lifecycle: false` (what the pipeline publishes) pods are bound by their labels whatever
 * their phase, so the published changes do not flap while pods start and stop (ADR 0002).
 */
export function computeNamespaceBindings(
  snapshot: ClusterSnapshot,
  namespace: string,
  options: { readonly lifecycle?: boolean } = {},
): BindingSet {
  const context = new BindingContext(snapshot);
  const inNamespace = (meta: ObjectMeta): boolean => (meta.namespace ?? '') === namespace;
  const services = snapshot.services
    .filter((s) => inNamespace(s.metadata))
    .map((s) => context.bindService(s))
    .sort(byNamespaceAndName);
  const pods = snapshot.pods
    .filter((p) => inNamespace(p.metadata) && hasOwnBinding(p))
    .map((p) => context.bindPod(p, options.lifecycle ?? true))
    .sort(byNamespaceAndName);
  return { services, pods, namespaces: [context.bindNamespace(namespace)] };
}

/** The binding of `pod` given a namespace's compact form (the inverse of compaction). */
export function podBindingFromCompact(compact: BindingSet, pod: Pod): PodBinding {
  const { namespace = '', name } = pod.metadata;
  const own = compact.pods.find((p) => p.namespace === namespace && p.name === name);
  if (own !== undefined) return own;
  const fallback = compact.namespaces.find((n) => n.namespace === namespace);
  return { namespace, name, waypoint: fallback?.waypoint ?? null, via: fallback?.via ?? null };
}

/**
 * Two compact forms of one namespace made comparable pod by pod. A pod has an entry of its own
 * only while it carries a label the rules read; on the side where it has none, it was (or is)
 * bound by the namespace default, if it existed then (or exists now). So labelling an existing pod
 * compares its namespace default with its own binding instead of announcing a new object, and
 * unlabelling one is not a deletion. `existedBefore` names the pods with an entry only in `after`
 * that existed when `before` was read; `existsNow` those with an entry only in `before` that still
 * exist.
 *
 * @example
 * // reviews-v2 got its own label; it existed before:
 * alignPods(before, after, { existedBefore: new Set(['reviews-v2']), existsNow: new Set() });
 * // => before.pods gains reviews-v2 bound as before.namespaces[0] says
 */
export function alignPods(
  before: BindingSet,
  after: BindingSet,
  existence: {
    readonly existedBefore: ReadonlySet<string>;
    readonly existsNow: ReadonlySet<string>;
  },
): { before: BindingSet; after: BindingSet } {
  const fill = (side: BindingSet, other: BindingSet, keep: ReadonlySet<string>): BindingSet => {
    const own = new Set(side.pods.map((p) => `${p.namespace}/${p.name}`));
    const added = other.pods
      .filter((p) => !own.has(`${p.namespace}/${p.name}`) && keep.has(p.name))
      .map((p) =>
        podBindingFromCompact(side, { metadata: { namespace: p.namespace, name: p.name } }),
      );
    if (added.length === 0) return side;
    return { ...side, pods: [...side.pods, ...added].sort(byNamespaceAndName) };
  };
  return {
    before: fill(before, after, existence.existedBefore),
    after: fill(after, before, existence.existsNow),
  };
}

/**
 * An object whose own `istio.io/use-waypoint` label names a waypoint (not `none`), or, with
 * `canary: true`, whose own `istio.io/use-waypoint-canary` label does (§5.1).
 */
export interface WaypointReference {
  readonly kind: 'Namespace' | 'Service' | 'Pod' | 'ServiceEntry' | 'WorkloadEntry';
  readonly namespace: string;
  readonly name: string;
  readonly ref: WaypointRef;
  /** The reference is the object's canary label (Namespaces, Services, ServiceEntries; N1). */
  readonly canary?: true;
}

/**
 * Every waypoint reference of a snapshot: namespaces, then Services, Pods, ServiceEntries and
 * WorkloadEntries (by their merged labels, E1); an object's canary reference follows its
 * `use-waypoint` one. To ask which objects name one waypoint, use
 * {@link dependents}.
 *
 * @example
 * new Set([...waypointReferences(snapshot)].map((r) => r.namespace)) // namespaces that use waypoints
 */
export function* waypointReferences(snapshot: ClusterSnapshot): Generator<WaypointReference> {
  const objects: [WaypointReference['kind'], readonly { metadata: ObjectMeta }[]][] = [
    ['Namespace', snapshot.namespaces],
    ['Service', snapshot.services],
    ['Pod', snapshot.pods],
    ['ServiceEntry', snapshot.serviceEntries ?? []],
    [
      'WorkloadEntry',
      (snapshot.workloadEntries ?? []).map((e) => ({
        metadata: { ...e.metadata, labels: { ...e.spec?.labels, ...e.metadata.labels } },
      })),
    ],
  ];
  for (const [kind, list] of objects) {
    for (const { metadata } of list) yield* referencesOf(kind, metadata);
  }
}

function* referencesOf(
  kind: WaypointReference['kind'],
  metadata: ObjectMeta,
): Generator<WaypointReference> {
  const namespace = kind === 'Namespace' ? metadata.name : (metadata.namespace ?? '');
  const use = parseUseWaypoint(metadata.labels, namespace);
  if (use.kind === 'ref') yield { kind, namespace, name: metadata.name, ref: use.ref };
  // N1: workloads (Pods, WorkloadEntries) never have a canary.
  const canary =
    kind === 'Pod' || kind === 'WorkloadEntry'
      ? null
      : canaryRef({ namespace, labels: metadata.labels }, undefined);
  if (canary !== null) yield { kind, namespace, name: metadata.name, ref: canary, canary: true };
}

/** An object that names a waypoint with its own `istio.io/use-waypoint` (or canary) label. */
export type Dependent = Omit<WaypointReference, 'ref'>;

/** Dependents of each waypoint (`ns/name`) of a snapshot, built once per snapshot. */
const dependentsIndex = new WeakMap<ClusterSnapshot, ReadonlyMap<string, readonly Dependent[]>>();

/**
 * The objects whose own `istio.io/use-waypoint` label names `waypoint` (rules P1-P5), or whose
 * canary label does (`canary: true`, §5.1): namespaces, then Services, Pods, ServiceEntries and
 * WorkloadEntries. What deleting the waypoint leaves dangling, what `unenroll` clears,
 * and what a waypoint's status lists as `referencedBy`. A namespace's label counts once, on the
 * namespace, not on each of its objects.
 *
 * @example
 * dependents(snapshot, { namespace: 'default', name: 'waypoint' });
 * // => [{ kind: 'Namespace', namespace: 'default', name: 'default' }]
 */
export function dependents(snapshot: ClusterSnapshot, waypoint: WaypointRef): readonly Dependent[] {
  let index = dependentsIndex.get(snapshot);
  if (index === undefined) {
    const built = new Map<string, Dependent[]>();
    for (const { ref, ...dependent } of waypointReferences(snapshot)) {
      const key = formatRef(ref);
      const list = built.get(key);
      if (list === undefined) built.set(key, [dependent]);
      else list.push(dependent);
    }
    index = built;
    dependentsIndex.set(snapshot, index);
  }
  return index.get(formatRef(waypoint)) ?? [];
}
