/**
 * ServiceEntries, WorkloadEntries and the inline endpoints of ServiceEntries, bound as istiod
 * binds them, with the conditions it writes (`istio.io/WaypointBound`, `istio.io/WaypointMissing`,
 * `istio.io/VisibilityApplied`). Rules S1-S8 and E1-E6 of docs/istio-semantics.md §15; what istiod
 * sees at all (discovery selectors, revision, visibility) is `mesh-config.ts` (M1-M5).
 *
 * Ports istio/istio `pilot/pkg/serviceregistry/ambient/services.go` (`serviceEntriesInfo`,
 * `selectWorkloadServices`), `workloads.go` (`workloadEntryWorkloadBuilder`,
 * `serviceEntryWorkloadBuilder`, `computeWaypoint`), `waypoints.go` (`fetchWaypointForService`'s
 * visibility branch), `status.go` and `pilot/pkg/model/service.go` (`GetConditions`). A
 * ServiceEntry is bound by the Service rules and a WorkloadEntry by the Pod rules of
 * `BindingContext`, which are istiod's `fetchWaypointForService` and `computeWaypoint`.
 */

import { goQuote } from '@waypointer/apimachinery/validation';
import {
  BindingContext,
  byNamespaceAndName,
  type Canary,
  formatRef,
  type WaypointRef,
} from './bindings.ts';
import { atLeast } from './istio-version.ts';
import {
  istiodView,
  meshConfigOf,
  type Visibility,
  visibilityConfigured,
  visibilityFor,
} from './mesh-config.ts';
import {
  type ClusterSnapshot,
  istioVersionOf,
  type MeshConfig,
  type ObjectMeta,
  type ServiceEntry,
  type StringMap,
  type WorkloadEntry,
} from './model.ts';

export const WAYPOINT_BOUND = 'istio.io/WaypointBound';
export const WAYPOINT_MISSING = 'istio.io/WaypointMissing';
export const VISIBILITY_APPLIED = 'istio.io/VisibilityApplied';

/** The annotation that asks for a non-default DNS connect strategy (S7). */
export const CONNECT_STRATEGY = 'istio.io/connect-strategy';

/** One condition as istiod writes it on a ServiceEntry or WorkloadEntry. */
export interface EntryCondition {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** The conditions of one object, by type; a type istiod removes is absent. */
export type EntryConditions = Readonly<Record<string, EntryCondition>>;

/** Where the `istio.io/use-waypoint` label that decided a ServiceEntry's binding sits. */
export type ServiceEntryVia = 'serviceentry' | 'namespace';
/** Where it sits for a WorkloadEntry or an inline endpoint (the endpoint's own labels). */
export type WorkloadEntryVia = 'workloadentry' | 'namespace';

/** The waypoint for traffic addressed to a ServiceEntry's hosts. */
export interface ServiceEntryBinding {
  readonly namespace: string;
  readonly name: string;
  readonly waypoint: WaypointRef | null;
  readonly via: ServiceEntryVia | null;
  /** The canary waypoint beside the primary; not resolved for ServiceEntries yet. */
  readonly canary: Canary | null;
  readonly conditions: EntryConditions;
}

/**
 * The waypoint for traffic addressed to a WorkloadEntry, or to an inline endpoint of a
 * ServiceEntry (then `name` is the ServiceEntry's, as istiod names that workload, and
 * `serviceEntryEndpoint` is the endpoint's address).
 */
export interface WorkloadEntryBinding {
  readonly namespace: string;
  readonly name: string;
  readonly waypoint: WaypointRef | null;
  readonly via: WorkloadEntryVia | null;
  readonly conditions: EntryConditions;
  readonly serviceEntryEndpoint?: string;
}

export interface EntryBindings {
  readonly serviceEntries: readonly ServiceEntryBinding[];
  readonly workloadEntries: readonly WorkloadEntryBinding[];
}

/** `kube.ServiceHostname` with istiod's default domain suffix. */
function serviceHostname(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** `host.Name.IsWildCarded`. */
function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

function createdAt(meta: ObjectMeta): number {
  const value = meta.creationTimestamp;
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/** Whether `a` wins a host over `b` among ServiceEntries of a namespace: older, then by name (S4). */
function olderThan(a: ServiceEntry, b: ServiceEntry): boolean {
  const ta = createdAt(a.metadata);
  const tb = createdAt(b.metadata);
  return ta !== tb ? ta < tb : a.metadata.name < b.metadata.name;
}

/**
 * `selectWorkloadServices` per namespace (S4): the hosts each configured ServiceEntry keeps.
 * A Kubernetes Service of the namespace always wins its hostname; otherwise the oldest entry.
 */
function keptHosts(
  entries: readonly ServiceEntry[],
  serviceHosts: ReadonlySet<string>,
): Map<ServiceEntry, string[]> {
  const owner = new Map<string, ServiceEntry>();
  for (const entry of entries) {
    for (const host of new Set(entry.spec.hosts)) {
      const key = `${entry.metadata.namespace ?? ''}/${host}`;
      if (serviceHosts.has(key)) continue;
      const best = owner.get(key);
      if (best === undefined || olderThan(entry, best)) owner.set(key, entry);
    }
  }
  const kept = new Map<ServiceEntry, string[]>();
  for (const [key, entry] of owner) {
    const host = key.slice(key.indexOf('/') + 1);
    kept.set(entry, [...(kept.get(entry) ?? []), host]);
  }
  return kept;
}

function forbidden(ref: WaypointRef): EntryCondition {
  return {
    status: 'False',
    reason: 'CrossNamespaceWaypointForbidden',
    message: `cannot bind to waypoint ${goQuote(formatRef(ref))} in another namespace: cross-namespace waypoint binding is not permitted for a ServiceEntry with NAMESPACE visibility`,
  };
}

/** `WaypointMissing` for an entry without a waypoint (S7), or undefined. */
function missingCondition(
  entry: ServiceEntry,
  hosts: readonly string[],
): EntryCondition | undefined {
  const strategy = entry.metadata.annotations?.[CONNECT_STRATEGY];
  if (strategy !== undefined && strategy.toUpperCase() === 'RACE_FIRST_TCP_CONNECT') {
    return {
      status: 'True',
      reason: 'NoWaypointForRacingConnectStrategy',
      message:
        'ServiceEntry has a non-default connect strategy but no waypoint bound. A waypoint is required for connect strategies to take effect for ambient clients.',
    };
  }
  if (!hosts.some(isWildcard)) return undefined;
  return {
    status: 'True',
    reason: 'NoWaypointForWildcardService',
    message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
  };
}

/** `VisibilityApplied` (S8), written only when `serviceEntryVisibility` is configured. */
function visibilityCondition(visibility: Visibility): EntryCondition {
  return visibility === 'Namespace'
    ? {
        status: 'True',
        reason: 'Namespace',
        message:
          'ServiceEntry is visible only within its own namespace (NAMESPACE), per mesh serviceEntryVisibility.',
      }
    : {
        status: 'True',
        reason: 'Public',
        message: 'ServiceEntry is visible to the entire mesh (PUBLIC).',
      };
}

function unconfigured(entry: ServiceEntry): ServiceEntryBinding {
  const { namespace = '', name } = entry.metadata;
  return { namespace, name, waypoint: null, via: null, canary: null, conditions: {} };
}

/**
 * The visibility rules in force: `serviceEntryVisibility` exists from Istio 1.31 (S2, S3, S8);
 * before, every ServiceEntry is Public and no `VisibilityApplied` is written.
 */
interface VisibilityRules {
  readonly of: (namespace: string) => Visibility;
  readonly configured: boolean;
}

function visibilityRules(snapshot: ClusterSnapshot, context: BindingContext): VisibilityRules {
  const mesh: MeshConfig = meshConfigOf(snapshot);
  if (!atLeast(istioVersionOf(snapshot), '1.31')) return { of: () => 'Public', configured: false };
  return {
    of: (namespace) => visibilityFor(mesh, context.namespaceLabels.get(namespace)),
    configured: visibilityConfigured(mesh),
  };
}

/** S1, S2, S6-S8 for a ServiceEntry istiod configures, keeping `hosts`. */
function bindServiceEntry(
  context: BindingContext,
  rules: VisibilityRules,
  entry: ServiceEntry,
  hosts: readonly string[],
): ServiceEntryBinding {
  const { namespace = '', name } = entry.metadata;
  const visibility = rules.of(namespace);
  const service = context.bindService({ metadata: entry.metadata });
  let { waypoint, canary } = service;
  let bound: EntryCondition | null = service.condition;
  if (waypoint !== null && visibility === 'Namespace' && waypoint.namespace !== namespace) {
    bound = forbidden(waypoint);
    waypoint = null;
    canary = null;
  }
  const conditions: Record<string, EntryCondition> = {};
  if (bound !== null) conditions[WAYPOINT_BOUND] = bound;
  const missing = waypoint === null ? missingCondition(entry, hosts) : undefined;
  if (missing !== undefined) conditions[WAYPOINT_MISSING] = missing;
  if (rules.configured) conditions[VISIBILITY_APPLIED] = visibilityCondition(visibility);
  const via = service.via === 'service' ? 'serviceentry' : service.via;
  return { namespace, name, waypoint, via, canary, conditions };
}

/** E2/E3: `computeWaypoint` on a workload's meta, with the condition istiod writes. */
function bindWorkload(
  context: BindingContext,
  meta: ObjectMeta,
): Pick<WorkloadEntryBinding, 'waypoint' | 'via' | 'conditions'> {
  const outcome = context.podOutcome({ metadata: meta });
  const via = outcome.via === 'pod' ? 'workloadentry' : outcome.via;
  if (outcome.waypoint !== null) {
    const waypoint = { namespace: outcome.waypoint.namespace, name: outcome.waypoint.name };
    const message = `Successfully attached to waypoint ${formatRef(waypoint)}`;
    const bound: EntryCondition = { status: 'True', reason: 'WaypointAccepted', message };
    return { waypoint, via, conditions: { [WAYPOINT_BOUND]: bound } };
  }
  if (outcome.error === null) return { waypoint: null, via, conditions: {} };
  const { reason, message } = outcome.error;
  return {
    waypoint: null,
    via,
    conditions: { [WAYPOINT_BOUND]: { status: 'False', reason, message } },
  };
}

/** `ConvertClientWorkloadEntry` (E1): `spec.labels` merged under `metadata.labels`. */
export function workloadEntryLabels(entry: WorkloadEntry): StringMap | undefined {
  const spec = entry.spec?.labels;
  if (spec === undefined) return entry.metadata.labels;
  return { ...spec, ...entry.metadata.labels };
}

/** E4, E5: the inline endpoints of a configured ServiceEntry, each bound by its own labels. */
function bindEndpoints(context: BindingContext, entry: ServiceEntry): WorkloadEntryBinding[] {
  const { namespace = '', name } = entry.metadata;
  return (entry.spec.endpoints ?? []).map((endpoint) => {
    const meta = {
      name,
      namespace,
      ...(endpoint.labels === undefined ? {} : { labels: endpoint.labels }),
    };
    const { waypoint, via } = bindWorkload(context, meta);
    return {
      namespace,
      name,
      waypoint,
      via,
      conditions: {},
      serviceEntryEndpoint: endpoint.address ?? '',
    };
  });
}

/** `namespace/hostname` of every Kubernetes Service that wins its hostname (S4); ExternalName aside. */
export function serviceHostsOf(snapshot: ClusterSnapshot): Set<string> {
  const hosts = new Set<string>();
  for (const s of snapshot.services) {
    if (s.spec?.type === 'ExternalName') continue;
    const namespace = s.metadata.namespace ?? '';
    hosts.add(`${namespace}/${serviceHostname(s.metadata.name, namespace)}`);
  }
  return hosts;
}

interface Computed extends EntryBindings {
  /** `namespace/name` of the ServiceEntries istiod configures (S3, S5 aside). */
  readonly configured: ReadonlySet<string>;
}

function compute(snapshot: ClusterSnapshot, namespace: string | undefined): Computed {
  const view = istiodView(snapshot);
  const context = new BindingContext(view);
  const rules = visibilityRules(snapshot, context);
  const inScope = (meta: ObjectMeta): boolean =>
    namespace === undefined || (meta.namespace ?? '') === namespace;
  const entries = (view.serviceEntries ?? []).filter((e) => inScope(e.metadata));
  const visible = entries.filter((e) => rules.of(e.metadata.namespace ?? '') !== 'None');
  const kept = keptHosts(visible, serviceHostsOf(view));
  const serviceEntries = entries.map((entry) => {
    const hosts = kept.get(entry);
    return hosts === undefined
      ? unconfigured(entry)
      : bindServiceEntry(context, rules, entry, hosts);
  });
  const workloads = (view.workloadEntries ?? [])
    .filter((e) => inScope(e.metadata))
    .map((entry): WorkloadEntryBinding => {
      const { namespace: ns = '', name } = entry.metadata;
      const labels = workloadEntryLabels(entry);
      const meta = { ...entry.metadata, ...(labels === undefined ? {} : { labels }) };
      return { namespace: ns, name, ...bindWorkload(context, meta) };
    });
  const endpoints = entries
    .filter((entry) => kept.has(entry))
    .flatMap((entry) => bindEndpoints(context, entry));
  const configured = new Set(
    [...kept.keys()].map((e) => `${e.metadata.namespace ?? ''}/${e.metadata.name}`),
  );
  return {
    serviceEntries: serviceEntries.sort(byNamespaceAndName),
    workloadEntries: [...workloads, ...endpoints].sort(byNamespaceAndName),
    configured,
  };
}

/**
 * The bindings of every ServiceEntry, WorkloadEntry and inline endpoint of a snapshot (of one
 * namespace when `namespace` is given), sorted by namespace and name. Objects istiod does not see
 * (M2, M4) are absent; a ServiceEntry it sees but does not configure (S3, S5) has no waypoint and
 * no condition.
 *
 * @example
 * computeEntryBindings(snapshot).serviceEntries[0].conditions['istio.io/WaypointBound']?.reason; // 'WaypointAccepted'
 */
export function computeEntryBindings(snapshot: ClusterSnapshot, namespace?: string): EntryBindings {
  const { serviceEntries, workloadEntries } = compute(snapshot, namespace);
  return { serviceEntries, workloadEntries };
}

/** The conditions istiod's status queue writes on one object: all of its types, set or removed. */
export interface EntryStatus {
  readonly kind: 'ServiceEntry' | 'WorkloadEntry';
  readonly namespace: string;
  readonly name: string;
  readonly conditions: EntryConditions;
}

/**
 * What istiod writes on ServiceEntries and WorkloadEntries (S6-S8, E3): one status per object it
 * configures, whose condition types not listed are removed. A ServiceEntry it does not configure
 * (NONE visibility, every host lost) gets none, so its old conditions stay, as in istiod (Istio
 * issue 60908); inline endpoints have no object to write to (E4).
 */
export function entryStatuses(snapshot: ClusterSnapshot): EntryStatus[] {
  const { serviceEntries, workloadEntries, configured } = compute(snapshot, undefined);
  return [
    ...serviceEntries
      .filter((b) => configured.has(`${b.namespace}/${b.name}`))
      .map((b) => ({
        kind: 'ServiceEntry' as const,
        namespace: b.namespace,
        name: b.name,
        conditions: b.conditions,
      })),
    ...workloadEntries
      .filter((b) => b.serviceEntryEndpoint === undefined)
      .map((b) => ({
        kind: 'WorkloadEntry' as const,
        namespace: b.namespace,
        name: b.name,
        conditions: b.conditions,
      })),
  ];
}
