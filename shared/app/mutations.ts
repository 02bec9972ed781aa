/**
 * The use cases that change a cluster: apply and delete waypoints, enroll and unenroll. Each reads
 * what it needs, plans the mutation with the domain (so `dryRun` returns exactly the plan), refuses
 * what is unsafe, then makes the change through the Cluster port and reports what it did.
 */
import {
  type Dependent,
  dependents,
  formatRef,
  parseUseWaypoint,
  type WaypointRef,
} from '../domain/bindings.ts';
import { canaryRef } from '../domain/canary.ts';
import { type BindingChange, diff } from '../domain/diff.ts';
import {
  ConflictError,
  NotFoundError,
  TimeoutError,
  UnavailableError,
  ValidationError,
} from '../domain/errors.ts';
import { generateWaypoint, waypointManifest } from '../domain/generate.ts';
import { USE_WAYPOINT, USE_WAYPOINT_NAMESPACE } from '../domain/labels.ts';
import {
  type ClusterSnapshot,
  istioVersionOf,
  type ObjectMeta,
  type Pod,
  type StringMap,
} from '../domain/model.ts';
import {
  CANARY_CLEARED,
  canaryChanges,
  canaryObject,
  everyBinding,
  type LabelTarget,
  type Mutation,
  plan,
} from '../domain/plan.ts';
import { allowsAttachment, indexWaypoints, isWaypointClass } from '../domain/waypoints.ts';
import type { Cluster, LabelChanges } from '../ports.ts';
import { clusterFor, type Deps, type Requested, readable, waitSeconds } from './deps.ts';

/** What every mutation answers. */
export interface MutationResult {
  readonly dryRun: boolean;
  /** What was done, in istioctl's words where istioctl has them (nothing on a dry run). */
  readonly done: readonly string[];
  readonly warnings: readonly string[];
  /** The binding changes the mutation causes, planned before anything was changed. */
  readonly plan: readonly BindingChange[];
  /** The binding changes observed after the change (absent on a dry run). */
  readonly changes?: readonly BindingChange[];
}

export interface ApplyWaypointInput extends Requested {
  readonly cluster: string;
  readonly namespace: string;
  readonly name?: string;
  readonly for?: string;
  readonly revision?: string;
  readonly enrollNamespace?: boolean;
  readonly overwrite?: boolean;
  readonly wait?: boolean;
  readonly timeoutSeconds?: number;
  readonly dryRun?: boolean;
}

/**
 * The binding changes observed after a change that is done: `read` reads the cluster again. When
 * the cluster does not answer in time, the change stands: a warning says so, without `changes`.
 */
async function observed(
  read: () => Promise<ClusterSnapshot>,
  before: ClusterSnapshot,
  warnings: string[],
): Promise<{ changes?: BindingChange[] }> {
  try {
    return { changes: diff(everyBinding(before), everyBinding(await read())) };
  } catch (error) {
    if (!outcomeUnknown(error)) throw error;
    warnings.push(
      `the change is done, but the cluster could not be read back to show the binding changes: ${(error as Error).message}`,
    );
    return {};
  }
}

/**
 * `istioctl waypoint apply`: server-side apply of the generated Gateway, optionally waiting for
 * `Programmed` and enrolling the namespace (refused with a warning when the namespace already has
 * a waypoint, unless `overwrite`; a warning when the namespace is not in ambient).
 */
export async function applyWaypoint(
  deps: Deps,
  input: ApplyWaypointInput,
): Promise<MutationResult> {
  deps.authorizer.authorize(input.caller, 'mutate', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const cluster = clusterFor(deps, input);
  const before = await cluster.namespaceSnapshot(input.namespace);
  const mutation: Mutation = {
    op: 'applyWaypoint',
    namespace: input.namespace,
    name: input.name ?? '',
    ...(input.for === undefined ? {} : { for: input.for }),
    ...(input.revision === undefined ? {} : { revision: input.revision }),
    enrollNamespace: input.enrollNamespace === true,
    overwrite: input.overwrite === true,
  };
  const planned = plan(before, mutation);
  const dryRun = input.dryRun === true;
  if (dryRun || planned.skipped) {
    return { dryRun, done: [], warnings: planned.warnings, plan: planned.changes };
  }
  const warnings = [...planned.warnings];
  const gateway = generateWaypoint({
    namespace: input.namespace,
    name: input.name ?? '',
    ...(input.for === undefined ? {} : { for: input.for }),
    ...(input.revision === undefined ? {} : { revision: input.revision }),
  });
  const ref = `${input.namespace}/${gateway.metadata.name}`;
  const done: string[] = [];
  try {
    await cluster.applyGateway(waypointManifest(gateway));
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new NotFoundError(
        `missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  done.push(`waypoint ${ref} applied`);
  if (input.wait === true) {
    await cluster.waitForProgrammed(
      input.namespace,
      gateway.metadata.name,
      waitSeconds(deps, input.timeoutSeconds, warnings) * 1000,
    );
    done.push(`waypoint ${ref} is ready!`);
  }
  if (input.enrollNamespace === true) {
    await cluster.setLabels(
      { kind: 'namespace', namespace: input.namespace },
      { [USE_WAYPOINT]: gateway.metadata.name },
    );
    done.push(
      `namespace ${input.namespace} labeled with "${USE_WAYPOINT}: ${gateway.metadata.name}"`,
    );
  }
  return {
    dryRun,
    done,
    plan: planned.changes,
    ...(await observed(() => cluster.namespaceSnapshot(input.namespace), before, warnings)),
    warnings,
  };
}

export interface DeleteWaypointInput extends Requested {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Also remove the labels of every namespace, Service and Pod that uses the waypoint. */
  readonly unenroll?: boolean;
  /** Delete even though objects still use it (their references dangle). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

function describeDependent(d: Dependent): string {
  const what =
    d.kind === 'Namespace' ? `Namespace ${d.name}` : `${d.kind} ${d.namespace}/${d.name}`;
  return d.canary === true ? `${what} (canary)` : what;
}

/** One object's label change, and the change that puts its labels back. */
interface LabelStep {
  readonly target: LabelTarget;
  readonly labels: LabelChanges;
  readonly undo: LabelChanges;
  /** Annotations changed in the same patch (a canary's weight), and what puts them back. */
  readonly annotations?: { readonly change: LabelChanges; readonly undo: LabelChanges };
}

/** The setLabels options of a step (its annotations, if any) for `side`. */
function patchOptions(step: LabelStep, side: 'change' | 'undo'): { annotations?: LabelChanges } {
  return step.annotations === undefined ? {} : { annotations: step.annotations[side] };
}

const CLEARED: LabelChanges = { [USE_WAYPOINT]: null, [USE_WAYPOINT_NAMESPACE]: null };

/** The change that restores an object's waypoint labels as they are now. */
function restoring(labels: StringMap | undefined): LabelChanges {
  return {
    [USE_WAYPOINT]: labels?.[USE_WAYPOINT] ?? null,
    [USE_WAYPOINT_NAMESPACE]: labels?.[USE_WAYPOINT_NAMESPACE] ?? null,
  };
}

/** Whether a failed call may still have taken effect (the cluster did not answer in time). */
function outcomeUnknown(error: unknown): boolean {
  return error instanceof UnavailableError || error instanceof TimeoutError;
}

/** The cluster a mutation's forward steps use, and the one its rollback uses (a later deadline). */
interface Phases {
  readonly forward: Cluster;
  readonly rollback: Cluster;
}

function phases(deps: Deps, input: Requested & { readonly cluster: string }): Phases {
  return { forward: clusterFor(deps, input), rollback: clusterFor(deps, input, 'rollback') };
}

/**
 * Applies the steps in order; when one fails, puts back the labels of those already applied (and
 * of the failed one, when the cluster did not say whether it was applied), then throws, so that a
 * mutation is all or nothing. The steps stop at the request's forward deadline, the rollback runs
 * within the reserve left after it.
 */
async function relabel(
  clusters: Phases,
  steps: readonly LabelStep[],
  then?: () => Promise<unknown>,
): Promise<void> {
  const applied: LabelStep[] = [];
  try {
    for (const step of steps) {
      try {
        await clusters.forward.setLabels(step.target, step.labels, patchOptions(step, 'change'));
      } catch (error) {
        if (outcomeUnknown(error)) applied.push(step);
        throw error;
      }
      applied.push(step);
    }
    await then?.();
  } catch (error) {
    const failedUndo: string[] = [];
    for (const step of applied.reverse()) {
      await clusters.rollback
        .setLabels(step.target, step.undo, patchOptions(step, 'undo'))
        .catch(() => failedUndo.push(JSON.stringify(step.target)));
    }
    if (failedUndo.length > 0 && error instanceof Error) {
      error.message += ` (and the labels of ${failedUndo.join(', ')} could not be put back)`;
    }
    throw error;
  }
}

/**
 * Deletes the Gateway. When the cluster did not say whether it did (a delete is not repeated), it
 * is read back within the rollback's time: gone means deleted, and the labels stay removed; still
 * there, or unknown, fails the delete, and the labels are put back.
 */
async function deleteGateway(clusters: Phases, ref: WaypointRef): Promise<void> {
  try {
    await clusters.forward.deleteGateway(ref.namespace, ref.name);
  } catch (error) {
    if (!outcomeUnknown(error)) throw error;
    const left = await clusters.rollback.getGateway(ref.namespace, ref.name).catch(() => undefined);
    if (left !== null) throw error;
  }
}

/** The objects of a dependent's kind, and the label target that names the dependent. */
function dependentTarget(
  snapshot: ClusterSnapshot,
  d: Dependent,
): { objects: readonly { metadata: ObjectMeta }[]; target: LabelTarget } {
  const { namespace, name } = d;
  switch (d.kind) {
    case 'Namespace':
      return { objects: snapshot.namespaces, target: { kind: 'namespace', namespace: name } };
    case 'Service':
      return { objects: snapshot.services, target: { kind: 'service', namespace, name } };
    case 'Pod':
      return { objects: snapshot.pods, target: { kind: 'pods', namespace, names: [name] } };
    case 'ServiceEntry':
      return {
        objects: snapshot.serviceEntries ?? [],
        target: { kind: 'serviceentry', namespace, name },
      };
    case 'WorkloadEntry':
      return {
        objects: snapshot.workloadEntries ?? [],
        target: { kind: 'workloadentry', namespace, name },
      };
  }
}

/** Steps that clear the labels of each dependent, restoring them from the snapshot on failure. */
function unenrollSteps(snapshot: ClusterSnapshot, objects: readonly Dependent[]): LabelStep[] {
  return objects.map((d) => {
    const { objects, target } = dependentTarget(snapshot, d);
    const found = objects.find(
      (o) =>
        o.metadata.name === d.name &&
        (d.kind === 'Namespace' || o.metadata.namespace === d.namespace),
    );
    if (d.canary !== true)
      return { target, labels: CLEARED, undo: restoring(found?.metadata.labels) };
    // A canary label names the waypoint: drop the canary (labels and weight), keep the waypoint.
    return {
      target,
      labels: CANARY_CLEARED.labels,
      undo: current(found?.metadata.labels, CANARY_CLEARED.labels),
      annotations: {
        change: CANARY_CLEARED.annotations,
        undo: current(found?.metadata.annotations, CANARY_CLEARED.annotations),
      },
    };
  });
}

/**
 * Deletes a waypoint Gateway (of a waypoint class, as the list shows them; other Gateways are
 * not found). While a namespace, Service or Pod still
 * names it, refuses with a ConflictError listing them, unless `unenroll` (their labels are removed
 * first) or `force` (they are left dangling, with a warning).
 */
export async function deleteWaypoint(
  deps: Deps,
  input: DeleteWaypointInput,
): Promise<MutationResult> {
  // Deleting a waypoint that objects still name, and leaving them dangling, is for admins.
  deps.authorizer.authorize(input.caller, input.force === true ? 'force-delete' : 'mutate', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const clusters = phases(deps, input);
  const cluster = clusters.forward;
  const before = await cluster.clusterSnapshot();
  const ref: WaypointRef = { namespace: input.namespace, name: input.name };
  const gateway = before.gateways.find(
    (g) => g.metadata.namespace === ref.namespace && g.metadata.name === ref.name,
  );
  if (
    gateway === undefined ||
    !isWaypointClass(gateway.spec.gatewayClassName, before.gatewayClasses, istioVersionOf(before))
  ) {
    throw new NotFoundError(`waypoint ${formatRef(ref)} not found`);
  }
  const objects = dependents(before, ref);
  if (input.unenroll === true || input.force === true) {
    // Unenrolling or leaving labels dangling changes the dependents' namespaces too: the caller
    // must be allowed to change each (protected namespaces included).
    for (const namespace of new Set(objects.map((d) => d.namespace)))
      deps.authorizer.authorize(input.caller, 'mutate', { cluster: input.cluster, namespace });
  }
  const visible = readable(deps, input.caller, input.cluster);
  const shown = objects.filter((d) => visible(d.namespace));
  const named = [
    ...shown.map(describeDependent),
    ...(shown.length < objects.length
      ? [`${objects.length - shown.length} object(s) in namespaces you may not read`]
      : []),
  ];
  if (objects.length > 0 && input.unenroll !== true && input.force !== true) {
    throw new ConflictError(
      `waypoint ${formatRef(ref)} is still used by ${named.join(', ')}: pass unenroll=true to remove their ${USE_WAYPOINT} labels too, or force=true to leave them dangling`,
      { details: { dependents: shown, hiddenDependents: objects.length - shown.length } },
    );
  }
  const warnings =
    input.unenroll !== true && objects.length > 0
      ? [`these now name a waypoint that does not exist: ${named.join(', ')}`]
      : [];
  const planned = plan(before, {
    op: 'deleteWaypoint',
    namespace: ref.namespace,
    name: ref.name,
    unenroll: input.unenroll === true,
  });
  warnings.push(...planned.warnings);
  const dryRun = input.dryRun === true;
  if (dryRun) return { dryRun, done: [], warnings, plan: planned.changes };
  const done: string[] = [];
  // Labels first, the Gateway last: a failure anywhere puts the labels back.
  const steps = input.unenroll === true ? unenrollSteps(before, objects) : [];
  await relabel(clusters, steps, () => deleteGateway(clusters, ref));
  if (steps.length > 0) done.push(`removed ${USE_WAYPOINT} from ${named.join(', ')}`);
  done.push(`waypoint ${formatRef(ref)} deleted`);
  return {
    dryRun,
    done,
    plan: planned.changes,
    ...(await observed(() => cluster.clusterSnapshot(), before, warnings)),
    warnings,
  };
}

export interface EnrollInput extends Requested {
  readonly cluster: string;
  readonly target: LabelTarget;
  readonly waypoint: string;
  readonly waypointNamespace?: string;
  /** Replace a different waypoint the target already uses. */
  readonly overwrite?: boolean;
  /** Enroll even though the waypoint's allowedRoutes would deny it. */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

/** The ServiceEntry or WorkloadEntry a target names, if the snapshot holds it. */
function entryOf(
  snapshot: ClusterSnapshot,
  target: LabelTarget & { kind: 'serviceentry' | 'workloadentry' },
): { metadata: ObjectMeta } | undefined {
  const entries =
    target.kind === 'serviceentry' ? snapshot.serviceEntries : snapshot.workloadEntries;
  return (entries ?? []).find(
    (e) => e.metadata.namespace === target.namespace && e.metadata.name === target.name,
  );
}

/** What the target names, as `alreadyEnrolled` reports it. */
const ENTRY_KIND = { serviceentry: 'ServiceEntry', workloadentry: 'WorkloadEntry' } as const;

/** One step per object the target names (each pod on its own), restorable. */
function targetSteps(
  snapshot: ClusterSnapshot,
  target: LabelTarget,
  pods: readonly Pod[],
  labels: LabelChanges,
): LabelStep[] {
  if (target.kind === 'namespace') {
    const ns = snapshot.namespaces.find((n) => n.metadata.name === target.namespace);
    return [{ target, labels, undo: restoring(ns?.metadata.labels) }];
  }
  if (target.kind === 'service') {
    const service = snapshot.services.find((x) => x.metadata.name === target.name);
    return [{ target, labels, undo: restoring(service?.metadata.labels) }];
  }
  if (target.kind === 'serviceentry' || target.kind === 'workloadentry') {
    const entry = entryOf(snapshot, target);
    return [{ target, labels, undo: restoring(entry?.metadata.labels) }];
  }
  return pods.map((pod) => ({
    target: { kind: 'pods', namespace: target.namespace, names: [pod.metadata.name] },
    labels,
    undo: restoring(pod.metadata.labels),
  }));
}

function stepNames(steps: readonly LabelStep[]): string[] {
  return steps.flatMap((s) =>
    s.target.kind === 'pods' && 'names' in s.target ? [...s.target.names] : [],
  );
}

/**
 * The first steps of every label change: the caller may change the target's namespace, then a
 * snapshot of it that also holds the targeted pods.
 */
async function targetSnapshot(
  deps: Deps,
  input: Requested & { readonly cluster: string; readonly target: LabelTarget },
): Promise<{ cluster: Cluster; clusters: Phases; snapshot: ClusterSnapshot; pods: Pod[] }> {
  const { target } = input;
  deps.authorizer.authorize(input.caller, 'mutate', {
    cluster: input.cluster,
    namespace: target.namespace,
  });
  const clusters = phases(deps, input);
  const cluster = clusters.forward;
  const snapshot = await cluster.namespaceSnapshot(target.namespace);
  if (target.kind !== 'pods') return { cluster, clusters, snapshot, pods: [] };
  const pods = await cluster.podsOf(target);
  const known = new Set(snapshot.pods.map((p) => p.metadata.name));
  return {
    cluster,
    clusters,
    snapshot: {
      ...snapshot,
      pods: [...snapshot.pods, ...pods.filter((p) => !known.has(p.metadata.name))],
    },
    pods,
  };
}

/** Objects of the target whose own label names another waypoint than the one asked for. */
function alreadyEnrolled(
  snapshot: ClusterSnapshot,
  input: EnrollInput,
  pods: readonly Pod[],
): string[] {
  const { target } = input;
  const wanted = `${input.waypointNamespace ?? target.namespace}/${input.waypoint}`;
  const entry =
    target.kind === 'serviceentry' || target.kind === 'workloadentry'
      ? entryOf(snapshot, target)
      : undefined;
  const objects =
    entry !== undefined && (target.kind === 'serviceentry' || target.kind === 'workloadentry')
      ? [
          {
            what: `${ENTRY_KIND[target.kind]} ${target.namespace}/${target.name}`,
            meta: entry.metadata,
            ns: target.namespace,
          },
        ]
      : target.kind === 'namespace'
        ? snapshot.namespaces
            .filter((n) => n.metadata.name === target.namespace)
            .map((n) => ({
              what: `Namespace ${n.metadata.name}`,
              meta: n.metadata,
              ns: n.metadata.name,
            }))
        : target.kind === 'service'
          ? snapshot.services
              .filter((s) => s.metadata.name === target.name)
              .map((s) => ({
                what: `Service ${target.namespace}/${s.metadata.name}`,
                meta: s.metadata,
                ns: target.namespace,
              }))
          : pods.map((p) => ({
              what: `Pod ${target.namespace}/${p.metadata.name}`,
              meta: p.metadata,
              ns: target.namespace,
            }));
  return objects
    .filter(({ meta, ns }) => {
      const use = parseUseWaypoint(meta.labels, ns);
      if (use.kind === 'absent') return false;
      const current = use.kind === 'none' ? `${ns}/none` : formatRef(use.ref);
      return current !== wanted;
    })
    .map((o) => o.what);
}

/** Refuses a cross-namespace waypoint whose listener would not admit the target (unless forced). */
function checkAttachment(
  deps: Deps,
  snapshot: ClusterSnapshot,
  input: EnrollInput,
  planned: readonly string[],
): string[] {
  const namespace = input.waypointNamespace ?? input.target.namespace;
  if (input.waypoint === 'none') return [];
  const ref = `${namespace}/${input.waypoint}`;
  if (!readable(deps, input.caller, input.cluster)(namespace)) {
    // Whether it exists, and whom its listener admits, are that namespace's to tell.
    return [
      `waypoint ${ref} is in namespace ${namespace}, which you may not read: whether it exists and admits namespace ${input.target.namespace} is not checked`,
    ];
  }
  // The plan's warnings (a waypoint that does not exist yet, a traffic type that does not take the
  // target's traffic) are the ones `waypointer plan` shows: one source for both.
  // The snapshot holds every Gateway of the cluster (waypoints may serve other namespaces).
  const gateway = snapshot.gateways.find(
    (g) => g.metadata.namespace === namespace && g.metadata.name === input.waypoint,
  );
  if (gateway === undefined) return [...planned];
  const waypoint = indexWaypoints(
    [{ ...gateway, status: { addresses: [{ value: 'planned' }] } }],
    snapshot.gatewayClasses,
  ).get(ref);
  const labels = snapshot.namespaces.find((n) => n.metadata.name === input.target.namespace)
    ?.metadata.labels;
  if (
    waypoint !== undefined &&
    !allowsAttachment(waypoint, input.target.namespace, labels) &&
    input.force !== true
  ) {
    throw new ValidationError(
      `waypoint ${ref} does not admit namespace ${input.target.namespace}: its HBONE listener's allowedRoutes.namespaces.from is ${waypoint.allowedRoutes.from}; Istio would deny the attachment (AttachmentDenied). Pass force=true to label anyway`,
      [
        {
          path: 'waypointNamespace',
          message: `waypoint ${ref} does not admit namespace ${input.target.namespace}`,
        },
      ],
    );
  }
  return [...planned];
}

/** Sets `istio.io/use-waypoint` (and `-namespace`) on a namespace, a Service or Pods. */
export async function enroll(deps: Deps, input: EnrollInput): Promise<MutationResult> {
  const { cluster, clusters, snapshot, pods } = await targetSnapshot(deps, input);
  const mutation: Mutation = {
    op: 'enroll',
    target: input.target,
    waypoint: input.waypoint,
    ...(input.waypointNamespace === undefined
      ? {}
      : { waypointNamespace: input.waypointNamespace }),
  };
  const planned = plan(snapshot, mutation);
  const taken = alreadyEnrolled(snapshot, input, pods);
  if (taken.length > 0 && input.overwrite !== true) {
    throw new ConflictError(
      `${taken.join(', ')} already use another waypoint: pass overwrite=true to replace it`,
      { details: { objects: taken } },
    );
  }
  const warnings = checkAttachment(deps, snapshot, input, planned.warnings);
  const dryRun = input.dryRun === true;
  if (dryRun) return { dryRun, done: [], warnings, plan: planned.changes };
  const labels = {
    [USE_WAYPOINT]: input.waypoint,
    [USE_WAYPOINT_NAMESPACE]: input.waypointNamespace ?? null,
  };
  const steps = targetSteps(snapshot, input.target, pods, labels);
  await relabel(clusters, steps);
  const names = stepNames(steps);
  const done = [
    `labeled ${describeTarget(input.target, names)} with "${USE_WAYPOINT}: ${input.waypoint}"`,
  ];
  return {
    dryRun,
    done,
    plan: planned.changes,
    ...(await observed(
      () => cluster.namespaceSnapshot(input.target.namespace),
      snapshot,
      warnings,
    )),
    warnings,
  };
}

export interface UnenrollInput extends Requested {
  readonly cluster: string;
  readonly target: LabelTarget;
  readonly dryRun?: boolean;
}

/** Removes `istio.io/use-waypoint` and `istio.io/use-waypoint-namespace` from the target. */
export async function unenroll(deps: Deps, input: UnenrollInput): Promise<MutationResult> {
  const { cluster, clusters, snapshot, pods } = await targetSnapshot(deps, input);
  const planned = plan(snapshot, { op: 'unenroll', target: input.target });
  const warnings = [...planned.warnings];
  const dryRun = input.dryRun === true;
  if (dryRun) return { dryRun, done: [], warnings, plan: planned.changes };
  const steps = targetSteps(snapshot, input.target, pods, CLEARED);
  await relabel(clusters, steps);
  const names = stepNames(steps);
  const done = [`removed ${USE_WAYPOINT} from ${describeTarget(input.target, names)}`];
  return {
    dryRun,
    done,
    plan: planned.changes,
    ...(await observed(
      () => cluster.namespaceSnapshot(input.target.namespace),
      snapshot,
      warnings,
    )),
    warnings,
  };
}

function describeTarget(target: LabelTarget, names: readonly string[]): string {
  if (target.kind === 'namespace') return `namespace ${target.namespace}`;
  if (target.kind === 'service') return `service ${target.namespace}/${target.name}`;
  if (target.kind === 'serviceentry' || target.kind === 'workloadentry')
    return `${target.kind} ${target.namespace}/${target.name}`;
  return names.length === 0
    ? `no pods (none matched in ${target.namespace})`
    : `pods ${names.map((n) => `${target.namespace}/${n}`).join(', ')}`;
}

/** A canary change (`enroll --canary`, `promote`, `rollback`) as its use case takes it. */
export interface CanaryInput extends Requested {
  readonly cluster: string;
  readonly mutation: Mutation & { op: 'enrollCanary' | 'promoteCanary' | 'rollbackCanary' };
  /** enrollCanary: replace a different canary the target already has. */
  readonly overwrite?: boolean;
  readonly dryRun?: boolean;
}

/** Refuses to replace a different canary than the one asked for, unless `overwrite` (409). */
function checkCanaryOverwrite(input: CanaryInput, meta: ObjectMeta): void {
  const { mutation } = input;
  if (mutation.op !== 'enrollCanary' || input.overwrite === true) return;
  const current = canaryRef(
    { namespace: mutation.target.namespace, labels: meta.labels },
    undefined,
  );
  const wanted = `${mutation.canaryNamespace ?? mutation.target.namespace}/${mutation.canary}`;
  if (current === null || formatRef(current) === wanted) return;
  const what =
    mutation.target.kind === 'namespace'
      ? `namespace ${mutation.target.namespace}`
      : `${mutation.target.kind} ${mutation.target.namespace}/${mutation.target.name}`;
  throw new ConflictError(
    `${what} already has canary ${formatRef(current)}: pass overwrite=true to replace it`,
    { details: { canary: current } },
  );
}

/** The values `keys` have in `map` now (null when absent): what puts them back. */
function current(
  map: StringMap | undefined,
  keys: Readonly<Record<string, unknown>>,
): LabelChanges {
  return Object.fromEntries(Object.keys(keys).map((k) => [k, map?.[k] ?? null]));
}

const CANARY_DONE: Readonly<Record<CanaryInput['mutation']['op'], string>> = {
  enrollCanary: 'set the canary of',
  promoteCanary: 'promoted the canary of',
  rollbackCanary: 'removed the canary of',
};

/**
 * Sets, promotes or drops the canary waypoint of a namespace or Service (Istio 1.31+, §5.1) in one
 * merge patch of its labels and weight annotation; put back as it was when the patch fails.
 */
export async function changeCanary(deps: Deps, input: CanaryInput): Promise<MutationResult> {
  const { mutation } = input;
  const { cluster, clusters, snapshot } = await targetSnapshot(deps, {
    ...input,
    target: mutation.target,
  });
  const meta = canaryObject(snapshot, mutation.target);
  const changes = canaryChanges(mutation, meta);
  checkCanaryOverwrite(input, meta);
  const planned = plan(snapshot, mutation);
  const warnings = [...planned.warnings];
  if (istioVersionOf(snapshot) === '1.30')
    warnings.push('the cluster runs Istio 1.30, which reads no canary labels (1.31+)');
  const dryRun = input.dryRun === true;
  if (dryRun) return { dryRun, done: [], warnings, plan: planned.changes };
  const { target } = mutation;
  const undo = {
    labels: current(meta.labels, changes.labels),
    annotations: current(meta.annotations, changes.annotations),
  };
  try {
    await clusters.forward.setLabels(target, changes.labels, { annotations: changes.annotations });
  } catch (error) {
    if (outcomeUnknown(error))
      await clusters.rollback
        .setLabels(target, undo.labels, { annotations: undo.annotations })
        .catch(() => {
          if (error instanceof Error) error.message += ' (and the labels could not be put back)';
        });
    throw error;
  }
  const what =
    target.kind === 'namespace'
      ? `namespace ${target.namespace}`
      : `${target.kind} ${target.namespace}/${target.name}`;
  return {
    dryRun,
    done: [`${CANARY_DONE[mutation.op]} ${what}`],
    plan: planned.changes,
    ...(await observed(() => cluster.namespaceSnapshot(target.namespace), snapshot, warnings)),
    warnings,
  };
}
