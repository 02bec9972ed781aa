/**
 * The use cases that read: clusters, waypoints (istioctl `list` and `status`, plus what is bound to
 * each), and bindings of a namespace or a whole cluster.
 */

import {
  BindingContext,
  type BindingSet,
  boundTo,
  computeBindings,
  computeNamespaceBindings,
  type Dependent,
  dependents,
  type NamespaceBinding,
  type PodBinding,
  type ServiceBinding,
  sameWaypoint,
  type WaypointRef,
} from '../domain/bindings.ts';
import { type Diagnostic, diagnose } from '../domain/diagnostics.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { REVISION, WAYPOINT_FOR } from '../domain/labels.ts';
import { type ClusterSnapshot, type Gateway, istioVersionOf } from '../domain/model.ts';
import {
  computeEntryBindings,
  type ServiceEntryBinding,
  type WorkloadEntryBinding,
} from '../domain/service-entries.ts';
import {
  isWaypointClass,
  programmedCondition,
  programmedStatus,
  trafficTypeOf,
} from '../domain/waypoints.ts';
import { type Deps, type Requested, readable, waitSeconds } from './deps.ts';

/** One row of `list`: istioctl's columns plus the effective traffic type and what is bound. */
export interface WaypointSummary {
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClassName: string;
  /** `istio.io/rev`, or `default` (istioctl). */
  readonly revision: string;
  /** istioctl's TRAFFIC TYPE: the `istio.io/waypoint-for` label, or `none` when absent. */
  readonly trafficType: string;
  /** What istiod uses: Gateway label, else GatewayClass label, else `service`. */
  readonly effectiveTrafficType: string;
  /** The `Programmed` condition's status, `False` when absent. */
  readonly programmed: string;
  readonly bound: {
    readonly services: number;
    readonly pods: number;
    readonly namespaces: number;
    /** ServiceEntries whose hosts' traffic goes through it (§15 S1). */
    readonly serviceEntries: number;
    /** WorkloadEntries and inline endpoints of ServiceEntries bound to it (§15 E2, E4). */
    readonly workloadEntries: number;
  };
}

/** What is bound to one waypoint: Services, Pods, namespace defaults and entries (§15). */
interface BoundSet {
  readonly services: readonly ServiceBinding[];
  readonly pods: readonly PodBinding[];
  readonly namespaces: readonly NamespaceBinding[];
  readonly serviceEntries: readonly ServiceEntryBinding[];
  readonly workloadEntries: readonly WorkloadEntryBinding[];
}

/** Every binding of a cluster, entries included. */
function clusterBindings(snapshot: ClusterSnapshot, context?: BindingContext): BindingSet {
  return { ...computeBindings(snapshot, context), ...computeEntryBindings(snapshot) };
}

/** What is bound to a waypoint, in the namespaces `visible` admits. */
function visibleBoundTo(
  bindings: BindingSet,
  ref: { namespace: string; name: string },
  visible: (namespace: string) => boolean,
): BoundSet {
  const bound = boundTo(bindings, ref);
  const mine = (b: { namespace: string; waypoint: WaypointRef | null }): boolean =>
    sameWaypoint(b.waypoint, ref) && visible(b.namespace);
  return {
    services: bound.services.filter((s) => visible(s.namespace)),
    pods: bound.pods.filter((p) => visible(p.namespace)),
    namespaces: bound.namespaces.filter((n) => visible(n.namespace)),
    serviceEntries: (bindings.serviceEntries ?? []).filter(mine),
    workloadEntries: (bindings.workloadEntries ?? []).filter(mine),
  };
}

function summarize(
  gateway: Gateway,
  snapshot: ClusterSnapshot,
  bindings: BindingSet,
  visible: (namespace: string) => boolean,
): WaypointSummary {
  const namespace = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const bound = visibleBoundTo(bindings, { namespace, name }, visible);
  const gatewayClass = snapshot.gatewayClasses.find(
    (c) => c.metadata.name === gateway.spec.gatewayClassName,
  );
  return {
    namespace,
    name,
    gatewayClassName: gateway.spec.gatewayClassName,
    revision: gateway.metadata.labels?.[REVISION] || 'default',
    trafficType: gateway.metadata.labels?.[WAYPOINT_FOR] || 'none',
    effectiveTrafficType: trafficTypeOf(gateway, gatewayClass),
    programmed: programmedStatus(gateway),
    bound: {
      services: bound.services.length,
      pods: bound.pods.length,
      // The namespaces enrolled on it, whatever traffic it serves: a service waypoint binds no
      // namespace default for pods, yet a namespace that names it uses it.
      namespaces: dependents(snapshot, { namespace, name }).filter(
        (d) => d.kind === 'Namespace' && d.canary !== true && visible(d.namespace),
      ).length,
      serviceEntries: bound.serviceEntries.length,
      workloadEntries: bound.workloadEntries.length,
    },
  };
}

/** Every waypoint of a cluster (or namespace), sorted by namespace and name. */
export async function listWaypoints(
  deps: Deps,
  input: Requested & { cluster: string; namespace?: string },
): Promise<WaypointSummary[]> {
  const { caller, cluster } = input;
  deps.authorizer.authorize(caller, 'read', { cluster, namespace: input.namespace });
  const snapshot = await deps.clusters.get(cluster).clusterSnapshot();
  const bindings = clusterBindings(snapshot);
  return snapshot.gateways
    .filter((g) =>
      isWaypointClass(g.spec.gatewayClassName, snapshot.gatewayClasses, istioVersionOf(snapshot)),
    )
    .filter((g) => input.namespace === undefined || g.metadata.namespace === input.namespace)
    .filter((g) =>
      deps.authorizer.allows(caller, 'read', { cluster, namespace: g.metadata.namespace ?? '' }),
    )
    .map((g) => summarize(g, snapshot, bindings, readable(deps, caller, cluster)))
    .sort((a, b) =>
      a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
    );
}

export interface WaypointStatus {
  readonly waypoint: WaypointSummary;
  /** istioctl status's row: the Programmed condition when True, else the last condition. */
  readonly status: {
    readonly type: string;
    readonly status: string;
    readonly reason: string;
    readonly message: string;
  } | null;
  readonly addresses: readonly string[];
  /** What uses this waypoint: the labels that name it, and what is bound to it. */
  readonly referencedBy: readonly Dependent[];
  readonly boundServices: readonly ServiceBinding[];
  readonly boundPods: readonly PodBinding[];
  readonly boundNamespaces: readonly NamespaceBinding[];
  readonly boundServiceEntries: readonly ServiceEntryBinding[];
  /** WorkloadEntries, and inline endpoints of ServiceEntries (with `serviceEntryEndpoint`). */
  readonly boundWorkloadEntries: readonly WorkloadEntryBinding[];
  readonly diagnostics: readonly Diagnostic[];
}

/** `istioctl waypoint status` for one waypoint, without blocking unless `wait`, plus what is bound to it. */
export async function waypointStatus(
  deps: Deps,
  input: Requested & {
    cluster: string;
    namespace: string;
    name: string;
    wait?: boolean;
    timeoutSeconds?: number;
  },
): Promise<WaypointStatus> {
  deps.authorizer.authorize(input.caller, 'read', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const cluster = deps.clusters.get(input.cluster);
  if (input.wait === true) {
    const live = await cluster.getGateway(input.namespace, input.name);
    if (live === null)
      throw new NotFoundError(`waypoint ${input.namespace}/${input.name} not found`);
    await cluster.waitForProgrammed(
      input.namespace,
      input.name,
      waitSeconds(deps, input.timeoutSeconds, []) * 1000,
    );
  }
  const snapshot = await cluster.clusterSnapshot();
  const gateway = snapshot.gateways.find(
    (g) => g.metadata.namespace === input.namespace && g.metadata.name === input.name,
  );
  if (
    gateway === undefined ||
    !isWaypointClass(
      gateway.spec.gatewayClassName,
      snapshot.gatewayClasses,
      istioVersionOf(snapshot),
    )
  ) {
    throw new NotFoundError(`waypoint ${input.namespace}/${input.name} not found`);
  }
  const context = new BindingContext(snapshot);
  const bindings = clusterBindings(snapshot, context);
  const ref = { namespace: input.namespace, name: input.name };
  // Other namespaces show only as far as the caller may read them.
  const visible = readable(deps, input.caller, input.cluster);
  const bound = visibleBoundTo(bindings, ref, visible);
  const conditions = gateway.status?.conditions ?? [];
  const programmed = programmedCondition(gateway);
  const row = programmed?.status === 'True' ? programmed : conditions[conditions.length - 1];
  return {
    waypoint: summarize(gateway, snapshot, bindings, visible),
    status:
      row === undefined
        ? null
        : {
            type: row.type,
            status: row.status,
            reason: row.reason ?? '',
            message: row.message ?? '',
          },
    addresses: (gateway.status?.addresses ?? []).map((a) => a.value),
    referencedBy: dependents(snapshot, ref).filter((d) => visible(d.namespace)),
    boundServices: bound.services,
    boundPods: bound.pods,
    boundNamespaces: bound.namespaces,
    boundServiceEntries: bound.serviceEntries,
    boundWorkloadEntries: bound.workloadEntries,
    diagnostics: diagnose(snapshot, context).filter(
      (d) => sameWaypoint(d.waypoint, ref) && visible(d.namespace),
    ),
  };
}

/** Bindings in the shape of `waypointer bindings -o json`, with the namespace defaults. */
export interface BindingsPage {
  readonly services: readonly ServiceBinding[];
  /** Pods that carry their own label (or are waypoint instances); every other pod gets its namespace's default. */
  readonly pods: readonly PodBinding[];
  readonly namespaces: readonly NamespaceBinding[];
  readonly diagnostics: readonly Diagnostic[];
  /** ServiceEntries, as istiod binds them (docs/istio-semantics.md §15). */
  readonly serviceEntries: readonly ServiceEntryBinding[];
  /** WorkloadEntries and the inline endpoints of ServiceEntries (§15). */
  readonly workloadEntries: readonly WorkloadEntryBinding[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}

/** A namespace's bindings, in the compact form (a constant number of API calls whatever its size). */
export async function getNamespaceBindings(
  deps: Deps,
  input: Requested & { cluster: string; namespace: string },
): Promise<BindingsPage> {
  deps.authorizer.authorize(input.caller, 'read', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const snapshot = await deps.clusters.get(input.cluster).namespaceSnapshot(input.namespace);
  if (snapshot.namespaces.length === 0)
    throw new NotFoundError(`namespaces "${input.namespace}" not found`);
  const bindings = computeNamespaceBindings(snapshot, input.namespace);
  const diagnostics = diagnose(snapshot).filter((d) => d.namespace === input.namespace);
  return {
    services: bindings.services,
    pods: bindings.pods,
    namespaces: bindings.namespaces,
    diagnostics,
    ...computeEntryBindings(snapshot, input.namespace),
  };
}

const MAX_PAGE = 500;

/** A cluster's bindings, `limit` namespaces a page (default 50), from `cursor` (a namespace name). */
export async function getClusterBindings(
  deps: Deps,
  input: Requested & { cluster: string; limit?: number; cursor?: string },
): Promise<BindingsPage> {
  const { caller, cluster } = input;
  deps.authorizer.authorize(caller, 'read', { cluster });
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, [
      { path: 'limit', message: `must be 1..${MAX_PAGE}` },
    ]);
  }
  const snapshot = await deps.clusters.get(input.cluster).clusterSnapshot();
  const names = snapshot.namespaces
    .map((n) => n.metadata.name)
    .filter((namespace) => deps.authorizer.allows(caller, 'read', { cluster, namespace }))
    .sort();
  const start =
    input.cursor === undefined ? 0 : names.findIndex((n) => n > (input.cursor as string));
  const page = start < 0 ? [] : names.slice(start, start + limit);
  const inPage = new Set(page);
  const context = new BindingContext(snapshot);
  const bindings = computeBindings(snapshot, context);
  const last = page[page.length - 1];
  const more = start >= 0 && start + limit < names.length && last !== undefined;
  const entries = computeEntryBindings(snapshot);
  return {
    services: bindings.services.filter((s) => inPage.has(s.namespace)),
    pods: bindings.pods.filter((p) => inPage.has(p.namespace)),
    namespaces: bindings.namespaces.filter((n) => inPage.has(n.namespace)),
    diagnostics: diagnose(snapshot, context).filter((d) => inPage.has(d.namespace)),
    serviceEntries: entries.serviceEntries.filter((e) => inPage.has(e.namespace)),
    workloadEntries: entries.workloadEntries.filter((e) => inPage.has(e.namespace)),
    ...(more ? { nextCursor: last } : {}),
  };
}

/** The clusters this deployment manages that the caller may read in. */
export function listClusters(deps: Deps, input: Requested): { name: string }[] {
  return deps.clusters
    .names()
    .filter((cluster) => deps.authorizer.allows(input.caller, 'read', { cluster }))
    .map((name) => ({ name }));
}
