/**
 * What the API's use cases receive from their composition root: the clusters, the authorizer they
 * ask before touching a namespace, and the deployment's limit on waits.
 */
import type { Authorizer, Caller, Cluster, ClusterRegistry } from '../ports.ts';

/** The ports of the API's use cases (built once per function, shared by every request). */
export interface Deps {
  readonly clusters: ClusterRegistry;
  /** Asked by each use case for every namespace it reads or changes. */
  readonly authorizer: Authorizer;
  /** The longest a use case may wait (a function's time limit); longer waits are shortened. */
  readonly maxWaitSeconds?: number;
}

/** Who asks for a use case: every input carries its caller, for the authorizer. */
export interface Requested {
  readonly caller: Caller;
}

/** How long a wait lasts when the request does not say (istioctl's default). */
export const DEFAULT_WAIT_SECONDS = 90;

/**
 * The wait a use case may do: what was asked (or {@link DEFAULT_WAIT_SECONDS}), within the
 * deployment's limit, with a warning added when it was cut.
 *
 * @example
 * waitSeconds({ ...deps, maxWaitSeconds: 25 }, 60, warnings); // 25, and a warning
 */
export function waitSeconds(deps: Deps, requested: number | undefined, warnings: string[]): number {
  const asked = requested ?? DEFAULT_WAIT_SECONDS;
  if (deps.maxWaitSeconds === undefined || asked <= deps.maxWaitSeconds) return asked;
  warnings.push(
    `the wait is limited to ${deps.maxWaitSeconds} s by the function's time limit (asked: ${asked} s)`,
  );
  return deps.maxWaitSeconds;
}

/**
 * The cluster a mutation writes to, every write made for `caller`: the writes carry the caller as
 * their actor (the User-Agent the audit event records), so the binding changes they cause name
 * who asked, not waypointer's own identity.
 *
 * @example
 * const cluster = clusterFor(deps, { cluster: 'prod', caller });
 * await cluster.setLabels(target, labels); // User-Agent: waypointer/1 (actor=<caller.id>)
 */
export function clusterFor(deps: Deps, input: Requested & { readonly cluster: string }): Cluster {
  const cluster = deps.clusters.get(input.cluster);
  const actor = input.caller.id;
  if (actor === '') return cluster;
  return {
    namespaceSnapshot: (namespace) => cluster.namespaceSnapshot(namespace),
    clusterSnapshot: () => cluster.clusterSnapshot(),
    getNamespace: (name) => cluster.getNamespace(name),
    podsOf: (target) => cluster.podsOf(target),
    existingPods: (namespace, names) => cluster.existingPods(namespace, names),
    getGateway: (namespace, name) => cluster.getGateway(namespace, name),
    listGateways: (namespace) => cluster.listGateways(namespace),
    waitForProgrammed: (namespace, name, timeoutMs) =>
      cluster.waitForProgrammed(namespace, name, timeoutMs),
    applyGateway: (manifest, options = {}) => cluster.applyGateway(manifest, { actor, ...options }),
    deleteGateway: (namespace, name, options = {}) =>
      cluster.deleteGateway(namespace, name, { actor, ...options }),
    setLabels: (target, labels, options = {}) =>
      cluster.setLabels(target, labels, { actor, ...options }),
  };
}

/**
 * Which namespaces of a cluster the caller may read: what a use case shows of other namespaces
 * (what uses a waypoint, what is bound to it, what is in the way) is limited to those.
 *
 * @example
 * const visible = readable(deps, caller, 'prod');
 * dependents.filter((d) => visible(d.namespace));
 */
export function readable(
  deps: Deps,
  caller: Caller,
  cluster: string,
): (namespace: string) => boolean {
  return (namespace) => deps.authorizer.allows(caller, 'read', { cluster, namespace });
}
