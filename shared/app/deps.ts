/**
 * What the API's use cases receive from their composition root: the clusters, the authorizer they
 * ask before touching a namespace, and the deployment's limit on waits.
 */
import type {
  Authorizer,
  Caller,
  CallOptions,
  Cluster,
  ClusterRegistry,
  WriteOptions,
} from '../ports.ts';

/** The ports of the API's use cases (built once per function, shared by every request). */
export interface Deps {
  readonly clusters: ClusterRegistry;
  /** Asked by each use case for every namespace it reads or changes. */
  readonly authorizer: Authorizer;
  /** The longest a use case may wait (a function's time limit); longer waits are shortened. */
  readonly maxWaitSeconds?: number;
}

/**
 * When a request's work must stop, as abort signals the Cluster calls are made with. A mutation's
 * forward steps (reads, writes, waits) stop at `forward`; putting labels back after a failure has
 * until `rollback`, the request's own deadline, which also aborts when the request is answered.
 */
export interface Deadline {
  /** Aborts when the forward steps must stop: the deadline less the reserve for a rollback. */
  readonly forward: AbortSignal;
  /** Aborts at the request's deadline, or once it is answered: nothing is sent after it. */
  readonly rollback: AbortSignal;
}

/** Who asks for a use case: every input carries its caller, for the authorizer. */
export interface Requested {
  readonly caller: Caller;
  /** When the request's work must stop (none: its calls run until they succeed or fail). */
  readonly deadline?: Deadline;
}

/** How a request's time is shared out (see {@link deadlineBudget}). */
export interface DeadlineOptions {
  /** Kept back from the time left to answer: format the response, log, flush metrics. */
  readonly marginMs?: number;
  /** The most kept back from the forward steps for putting labels back. */
  readonly rollbackReserveMs?: number;
}

/** A request's time, from now: all of its work ends by `totalMs`, its forward steps by `forwardMs`. */
export interface DeadlineBudget {
  readonly totalMs: number;
  readonly forwardMs: number;
}

/** Kept back from a Lambda's remaining time to answer (default of `marginMs`). */
export const DEADLINE_MARGIN_MS = 1000;
/** The most kept back for a rollback (default of `rollbackReserveMs`): a few label patches. */
export const ROLLBACK_RESERVE_MS = 5000;

/**
 * The budget of a request that has `remainingMs` left (a Lambda's `getRemainingTimeInMillis()`):
 * the margin is kept back to answer, then a reserve for the rollback, a third of what is left at
 * most, so that short deadlines still leave the forward steps most of the time.
 *
 * @example
 * deadlineBudget(29_000); // { totalMs: 28_000, forwardMs: 23_000 }
 * deadlineBudget(4_000); // { totalMs: 3_000, forwardMs: 2_000 }
 */
export function deadlineBudget(remainingMs: number, options: DeadlineOptions = {}): DeadlineBudget {
  const { marginMs = DEADLINE_MARGIN_MS, rollbackReserveMs = ROLLBACK_RESERVE_MS } = options;
  const totalMs = Math.max(0, Math.floor(remainingMs - marginMs));
  const reserveMs = Math.max(0, Math.min(rollbackReserveMs, Math.floor(totalMs / 3)));
  return { totalMs, forwardMs: totalMs - reserveMs };
}

/**
 * The deadline of a budget that starts now; `answered` (e.g. aborted when the handler answers, or
 * by middy at the Lambda's timeout) ends it early.
 *
 * @example
 * const answered = new AbortController();
 * const deadline = deadlineOf(deadlineBudget(context.getRemainingTimeInMillis()), answered.signal);
 */
export function deadlineOf(budget: DeadlineBudget, ...answered: AbortSignal[]): Deadline {
  const rollback = AbortSignal.any([AbortSignal.timeout(budget.totalMs), ...answered]);
  return {
    forward: AbortSignal.any([AbortSignal.timeout(budget.forwardMs), rollback]),
    rollback,
  };
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
 * The cluster a mutation works on, bound to its request: every write is made for `caller` (the
 * writes carry the caller as their actor, the User-Agent the audit event records, so the binding
 * changes they cause name who asked, not waypointer's own identity), and every call stops with the
 * request's deadline: its `forward` signal, or its `rollback` one for putting labels back.
 *
 * @example
 * const cluster = clusterFor(deps, { cluster: 'prod', caller, deadline });
 * await cluster.setLabels(target, labels); // User-Agent: waypointer/1 (actor=<caller.id>)
 * const rollback = clusterFor(deps, { cluster: 'prod', caller, deadline }, 'rollback');
 */
export function clusterFor(
  deps: Deps,
  input: Requested & { readonly cluster: string },
  phase: keyof Deadline = 'forward',
): Cluster {
  const cluster = deps.clusters.get(input.cluster);
  const actor = input.caller.id;
  const signal = input.deadline?.[phase];
  if (actor === '' && signal === undefined) return cluster;
  const call: CallOptions = signal === undefined ? {} : { signal };
  const write: WriteOptions = actor === '' ? call : { ...call, actor };
  return {
    namespaceSnapshot: (namespace, options = {}) =>
      cluster.namespaceSnapshot(namespace, { ...call, ...options }),
    clusterSnapshot: (options = {}) => cluster.clusterSnapshot({ ...call, ...options }),
    getNamespace: (name, options = {}) => cluster.getNamespace(name, { ...call, ...options }),
    podsOf: (target, options = {}) => cluster.podsOf(target, { ...call, ...options }),
    existingPods: (namespace, names, options = {}) =>
      cluster.existingPods(namespace, names, { ...call, ...options }),
    getGateway: (namespace, name, options = {}) =>
      cluster.getGateway(namespace, name, { ...call, ...options }),
    listGateways: (namespace, options = {}) =>
      cluster.listGateways(namespace, { ...call, ...options }),
    waitForProgrammed: (namespace, name, timeoutMs, options = {}) =>
      cluster.waitForProgrammed(namespace, name, timeoutMs, { ...call, ...options }),
    applyGateway: (manifest, options = {}) =>
      cluster.applyGateway(manifest, { ...write, ...options }),
    deleteGateway: (namespace, name, options = {}) =>
      cluster.deleteGateway(namespace, name, { ...write, ...options }),
    setLabels: (target, labels, options = {}) =>
      cluster.setLabels(target, labels, { ...write, ...options }),
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
