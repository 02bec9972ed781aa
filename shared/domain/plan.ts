/**
 * Mutations and their plans: apply a mutation to a snapshot in memory, recompute, and diff, so that
 * every change can be previewed before it is made.
 */

import {
  matchesSelector,
  parseSelector,
  type Selector,
  SelectorParseError,
} from '@waypointer/apimachinery/label-selector';
import { isValidLabelValue } from '@waypointer/apimachinery/validation';
import { type BindingSet, computeBindings, dependents } from './bindings.ts';
import { type BindingChange, diff } from './diff.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { generateWaypoint } from './generate.ts';
import {
  DATAPLANE_MODE,
  DATAPLANE_MODE_AMBIENT,
  NO_WAYPOINT,
  REVISION,
  USE_WAYPOINT,
  USE_WAYPOINT_CANARY,
  USE_WAYPOINT_CANARY_NAMESPACE,
  USE_WAYPOINT_CANARY_WEIGHT,
  USE_WAYPOINT_NAMESPACE,
  WAYPOINT_CLASS,
  WAYPOINT_FOR,
} from './labels.ts';
import {
  type ClusterSnapshot,
  type Gateway,
  istioVersionOf,
  type Namespace,
  type ObjectMeta,
  type Pod,
  type Service,
  type ServiceEntry,
  type StringMap,
  type WorkloadEntry,
} from './model.ts';
import { computeEntryBindings } from './service-entries.ts';
import { isWaypointClass, trafficTypeOf } from './waypoints.ts';

/**
 * What a label change (enroll, unenroll) targets: a namespace, a Service, a ServiceEntry, a
 * WorkloadEntry, or Pods of a namespace by name or by label selector. Every kind names its
 * namespace.
 */
export type LabelTarget =
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'serviceentry'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'workloadentry'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'pods'; readonly namespace: string; readonly names: readonly string[] }
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: string };

/** A change waypointer can make to a cluster. */
export type Mutation =
  | {
      readonly op: 'applyWaypoint';
      readonly namespace: string;
      readonly name: string;
      /** `service`, `workload`, `all` or `none`; checked as istioctl checks it. */
      readonly for?: string;
      readonly revision?: string;
      /** Also label the namespace with `istio.io/use-waypoint: <name>`. */
      readonly enrollNamespace?: boolean;
      /** With `enrollNamespace`: replace a waypoint the namespace already uses. */
      readonly overwrite?: boolean;
    }
  | {
      readonly op: 'deleteWaypoint';
      readonly namespace: string;
      readonly name: string;
      /** Also remove the labels of every namespace, Service and Pod that uses it. */
      readonly unenroll?: boolean;
    }
  | {
      readonly op: 'enroll';
      readonly target: LabelTarget;
      /** The waypoint's name, or `none` to opt the target out of its namespace's waypoint. */
      readonly waypoint: string;
      /** Set for a waypoint in another namespace (`istio.io/use-waypoint-namespace`). */
      readonly waypointNamespace?: string;
    }
  | { readonly op: 'unenroll'; readonly target: LabelTarget }
  | {
      readonly op: 'enrollCanary';
      readonly target: CanaryTarget;
      /** The canary waypoint's name (`istio.io/use-waypoint-canary`). */
      readonly canary: string;
      /** Set for a canary in another namespace (`istio.io/use-waypoint-canary-namespace`). */
      readonly canaryNamespace?: string;
      /** The canary's share, 0-100 (`istio.io/use-waypoint-canary-weight`); kept when absent. */
      readonly weight?: number;
    }
  /** The canary becomes the waypoint; the canary labels and weight go. */
  | { readonly op: 'promoteCanary'; readonly target: CanaryTarget }
  /** The canary labels and weight go; the waypoint stays. */
  | { readonly op: 'rollbackCanary'; readonly target: CanaryTarget };

/**
 * What a canary is set on: a namespace, a Service or a ServiceEntry (Istio reads the canaries of
 * nothing else, N1; a ServiceEntry is bound like a Service, S1).
 */
export type CanaryTarget = LabelTarget & {
  readonly kind: 'namespace' | 'service' | 'serviceentry';
};

/** The Istio entry kinds a label change can target, with their resource names (API server errors). */
const ENTRY_RESOURCES = {
  serviceentry: 'serviceentries.networking.istio.io',
  workloadentry: 'workloadentries.networking.istio.io',
} as const;

/** The entries of the kind a target names, relabelled where the target names one (NotFoundError if none). */
function relabelEntry<T extends ServiceEntry | WorkloadEntry>(
  entries: readonly T[] | undefined,
  target: LabelTarget & { kind: 'serviceentry' | 'workloadentry' },
  edit: (labels: Labels) => void,
): T[] {
  const isTarget = (e: T): boolean =>
    inNamespace(e.metadata, target.namespace) && e.metadata.name === target.name;
  const list = entries ?? [];
  if (!list.some(isTarget))
    throw new NotFoundError(`${ENTRY_RESOURCES[target.kind]} "${target.name}" not found`);
  return list.map((e) => (isTarget(e) ? withLabels(e, edit) : e));
}

/** Label and annotation changes of one object (null removes the key). */
export interface MetaChanges {
  readonly labels: Readonly<Record<string, string | null>>;
  readonly annotations: Readonly<Record<string, string | null>>;
}

/** A mutation applied in memory: the new snapshot and what a user should be told. */
export interface Applied {
  readonly snapshot: ClusterSnapshot;
  readonly warnings: readonly string[];
  /** The mutation does nothing, as istioctl would (apply --enroll-namespace without --overwrite). */
  readonly skipped?: boolean;
}

/** The binding changes a mutation causes. */
export interface Plan {
  readonly mutation: Mutation;
  readonly warnings: readonly string[];
  readonly skipped: boolean;
  readonly changes: readonly BindingChange[];
  readonly before: BindingSet;
  readonly after: BindingSet;
}

type Labels = Record<string, string>;

function withLabels<T extends { metadata: ObjectMeta }>(
  object: T,
  edit: (labels: Labels) => void,
): T {
  const labels: Labels = { ...object.metadata.labels };
  edit(labels);
  return { ...object, metadata: { ...object.metadata, labels } };
}

function requireNamespace(snapshot: ClusterSnapshot, namespace: string): Namespace {
  const found = snapshot.namespaces.find((n) => n.metadata.name === namespace);
  if (found === undefined) throw new NotFoundError(`namespaces "${namespace}" not found`);
  return found;
}

function checkLabelValue(path: string, value: string): void {
  const problems = isValidLabelValue(value);
  if (problems.length > 0) {
    throw new ValidationError(`invalid ${path} "${value}": ${problems.join('; ')}`, [
      { path, message: problems.join('; ') },
    ]);
  }
}

function inNamespace(meta: ObjectMeta, namespace: string): boolean {
  return (meta.namespace ?? '') === namespace;
}

/**
 * The pods of a snapshot a target names; every named pod must exist (NotFoundError), and a bad
 * selector is a ValidationError with the parser's message.
 */
export function selectPods(
  snapshot: ClusterSnapshot,
  target: LabelTarget & { kind: 'pods' },
): Set<Pod> {
  const pods = snapshot.pods.filter((p) => inNamespace(p.metadata, target.namespace));
  if ('names' in target) {
    const byName = new Map(pods.map((p) => [p.metadata.name, p]));
    return new Set(
      target.names.map((name) => {
        const pod = byName.get(name);
        if (pod === undefined) throw new NotFoundError(`pods "${name}" not found`);
        return pod;
      }),
    );
  }
  const selector = podSelector(target.selector);
  return new Set(pods.filter((p) => matchesSelector(selector, p.metadata.labels ?? {})));
}

/** Why a selector that names no label is refused for choosing pods. */
export const EMPTY_POD_SELECTOR =
  'the selector names no label, so it would match every pod of the namespace: give a label (e.g. app=reviews), or enroll the namespace instead';

/**
 * The selector of a `pods` target, parsed as the API server would, and refused when it names no
 * label: apimachinery reads an empty or blank selector as "everything", which would relabel every
 * pod of the namespace.
 *
 * @example
 * podSelector('app=reviews,version=v2').toString(); // 'app=reviews,version=v2'
 * podSelector('  '); // throws ValidationError(EMPTY_POD_SELECTOR)
 */
export function podSelector(text: string): Selector {
  let selector: Selector;
  try {
    selector = parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorParseError) {
      throw new ValidationError(error.message, [{ path: 'selector', message: error.message }], {
        cause: error,
      });
    }
    throw error;
  }
  if (selector.isEmpty())
    throw new ValidationError(EMPTY_POD_SELECTOR, [
      { path: 'selector', message: EMPTY_POD_SELECTOR },
    ]);
  return selector;
}

/** Applies a label edit to the objects a target names. */
function relabel(
  snapshot: ClusterSnapshot,
  target: LabelTarget,
  edit: (labels: Labels) => void,
): ClusterSnapshot {
  requireNamespace(snapshot, target.namespace);
  switch (target.kind) {
    case 'namespace':
      return {
        ...snapshot,
        namespaces: snapshot.namespaces.map((n) =>
          n.metadata.name === target.namespace ? withLabels(n, edit) : n,
        ),
      };
    case 'service': {
      const isTarget = (s: Service): boolean =>
        inNamespace(s.metadata, target.namespace) && s.metadata.name === target.name;
      if (!snapshot.services.some(isTarget))
        throw new NotFoundError(`services "${target.name}" not found`);
      return {
        ...snapshot,
        services: snapshot.services.map((s) => (isTarget(s) ? withLabels(s, edit) : s)),
      };
    }
    case 'pods': {
      const chosen = selectPods(snapshot, target);
      return {
        ...snapshot,
        pods: snapshot.pods.map((p) => (chosen.has(p) ? withLabels(p, edit) : p)),
      };
    }
    case 'serviceentry':
      return { ...snapshot, serviceEntries: relabelEntry(snapshot.serviceEntries, target, edit) };
    case 'workloadentry':
      return { ...snapshot, workloadEntries: relabelEntry(snapshot.workloadEntries, target, edit) };
  }
}

/**
 * The traffic a target's objects are reached by, and what they are called: Services and
 * ServiceEntries by service address, Pods and WorkloadEntries by workload address (§6, §7, §15).
 */
const TARGET_TRAFFIC: Readonly<
  Record<LabelTarget['kind'], { traffic: 'service' | 'workload'; objects: string } | null>
> = {
  namespace: null,
  service: { traffic: 'service', objects: 'the Service gets' },
  serviceentry: { traffic: 'service', objects: 'the ServiceEntry gets' },
  pods: { traffic: 'workload', objects: 'the pods get' },
  workloadentry: { traffic: 'workload', objects: 'the WorkloadEntry gets' },
};

/**
 * What an enrollment will not do as asked, said before anything changes: a waypoint that does not
 * exist (yet), or one whose traffic type does not take the target's traffic (Istio's
 * UnsupportedTrafficType: the label is set and the object gets no waypoint).
 */
export function enrollWarnings(
  snapshot: ClusterSnapshot,
  mutation: Mutation & { op: 'enroll' },
): string[] {
  if (mutation.waypoint === NO_WAYPOINT) return [];
  const ref = {
    namespace: mutation.waypointNamespace ?? mutation.target.namespace,
    name: mutation.waypoint,
  };
  const gateway = snapshot.gateways.find(
    (g) => inNamespace(g.metadata, ref.namespace) && g.metadata.name === ref.name,
  );
  if (gateway === undefined)
    return [
      `waypoint ${ref.namespace}/${ref.name} does not exist yet: the binding dangles (no waypoint) until it is applied`,
    ];
  const reached = TARGET_TRAFFIC[mutation.target.kind];
  const serves = trafficTypeOf(
    gateway,
    snapshot.gatewayClasses.find((c) => c.metadata.name === gateway.spec.gatewayClassName),
  );
  if (reached === null || serves === 'all' || serves === reached.traffic) return [];
  const { traffic, objects } = reached;
  return [
    `waypoint ${ref.namespace}/${ref.name} serves ${serves} traffic (istio.io/waypoint-for: ${serves}), not ${traffic} traffic: ${objects} no waypoint (UnsupportedTrafficType); apply it with --for ${traffic} or all`,
  ];
}

function enroll(snapshot: ClusterSnapshot, mutation: Mutation & { op: 'enroll' }): Applied {
  checkLabelValue('waypoint', mutation.waypoint);
  const { waypointNamespace } = mutation;
  if (waypointNamespace !== undefined) checkLabelValue('waypointNamespace', waypointNamespace);
  const next = relabel(snapshot, mutation.target, (labels) => {
    labels[USE_WAYPOINT] = mutation.waypoint;
    if (waypointNamespace === undefined) delete labels[USE_WAYPOINT_NAMESPACE];
    else labels[USE_WAYPOINT_NAMESPACE] = waypointNamespace;
  });
  return { snapshot: next, warnings: enrollWarnings(snapshot, mutation) };
}

function unenroll(snapshot: ClusterSnapshot, target: LabelTarget): Applied {
  const next = relabel(snapshot, target, (labels) => {
    delete labels[USE_WAYPOINT];
    delete labels[USE_WAYPOINT_NAMESPACE];
  });
  return { snapshot: next, warnings: specLabelWarnings(snapshot, target) };
}

/**
 * E1: a WorkloadEntry's `spec.labels` count under its metadata labels, and unenroll changes only
 * the metadata ones: say so when `spec.labels` still names a waypoint.
 */
function specLabelWarnings(snapshot: ClusterSnapshot, target: LabelTarget): string[] {
  if (target.kind !== 'workloadentry') return [];
  const entry = (snapshot.workloadEntries ?? []).find(
    (e) => inNamespace(e.metadata, target.namespace) && e.metadata.name === target.name,
  );
  const value = entry?.spec?.labels?.[USE_WAYPOINT];
  if (value === undefined) return [];
  return [
    `WorkloadEntry ${target.namespace}/${target.name} keeps ${USE_WAYPOINT}: ${value} in spec.labels, which unenroll does not change (istiod reads spec.labels under metadata.labels): remove it from the WorkloadEntry to unenroll it`,
  ];
}

/** The Gateway after a server-side apply of istioctl's manifest onto `existing`. */
function appliedGateway(existing: Gateway | undefined, generated: Gateway): Gateway {
  if (existing === undefined) {
    // Assume istiod programs it: the plan shows the bindings the waypoint is for.
    const { name, namespace = '' } = generated.metadata;
    return {
      ...generated,
      status: {
        addresses: [{ type: 'Hostname', value: `${name}.${namespace}.svc.cluster.local` }],
        conditions: [{ type: 'Programmed', status: 'True' }],
      },
    };
  }
  const labels: Labels = { ...existing.metadata.labels };
  for (const key of [WAYPOINT_FOR, REVISION]) {
    const value = generated.metadata.labels?.[key];
    if (value === undefined) delete labels[key];
    else labels[key] = value;
  }
  const mesh = generated.spec.listeners[0];
  const others = existing.spec.listeners.filter((l) => l.name !== 'mesh');
  const previous = existing.spec.listeners.find((l) => l.name === 'mesh');
  const listener = { ...previous, ...mesh, name: 'mesh', port: 15008, protocol: 'HBONE' };
  return {
    ...existing,
    metadata: { ...existing.metadata, labels },
    spec: { gatewayClassName: WAYPOINT_CLASS, listeners: [listener, ...others] },
  };
}

/** The Gateway istioctl apply builds; its errors read as istioctl's (`failed to create gateway: ...`). */
function generatedWaypoint(mutation: Mutation & { op: 'applyWaypoint' }): Gateway {
  try {
    return generateWaypoint({
      namespace: mutation.namespace,
      name: mutation.name,
      ...(mutation.for === undefined ? {} : { for: mutation.for }),
      ...(mutation.revision === undefined ? {} : { revision: mutation.revision }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`failed to create gateway: ${error.message}`, error.problems, {
      cause: error,
    });
  }
}

function applyWaypoint(
  snapshot: ClusterSnapshot,
  mutation: Mutation & { op: 'applyWaypoint' },
): Applied {
  // istioctl reads the namespace first, with or without --enroll-namespace.
  const namespace = snapshot.namespaces.find((n) => n.metadata.name === mutation.namespace);
  if (namespace === undefined)
    throw new NotFoundError(`namespace: ${mutation.namespace} not found`);
  const generated = generatedWaypoint(mutation);
  const warnings: string[] = [];
  const nsLabels: StringMap = namespace.metadata.labels ?? {};
  if (mutation.enrollNamespace === true) {
    if ((nsLabels[USE_WAYPOINT] ?? '') !== '' && mutation.overwrite !== true) {
      warnings.push(
        `namespace (${mutation.namespace}) already has an enrolled Waypoint. Consider adding the \`--overwrite\` flag to your apply command.`,
      );
      return { snapshot, warnings, skipped: true };
    }
    if (nsLabels[DATAPLANE_MODE] !== DATAPLANE_MODE_AMBIENT) {
      warnings.push(
        `namespace is not enrolled in ambient. Consider running\t\`kubectl label namespace ${mutation.namespace} istio.io/dataplane-mode=ambient\``,
      );
    }
  }
  const name = generated.metadata.name;
  const isTarget = (g: Gateway): boolean =>
    inNamespace(g.metadata, mutation.namespace) && g.metadata.name === name;
  const gateway = appliedGateway(snapshot.gateways.find(isTarget), generated);
  let next: ClusterSnapshot = {
    ...snapshot,
    gateways: [...snapshot.gateways.filter((g) => !isTarget(g)), gateway],
  };
  if (mutation.enrollNamespace === true) {
    // istioctl updates only `use-waypoint`; an existing `use-waypoint-namespace` stays.
    next = relabel(next, { kind: 'namespace', namespace: mutation.namespace }, (labels) => {
      labels[USE_WAYPOINT] = name;
    });
  }
  return { snapshot: next, warnings };
}

function deleteWaypoint(
  snapshot: ClusterSnapshot,
  mutation: Mutation & { op: 'deleteWaypoint' },
): Applied {
  const ref = { namespace: mutation.namespace, name: mutation.name };
  const isTarget = (g: Gateway): boolean =>
    inNamespace(g.metadata, ref.namespace) &&
    g.metadata.name === ref.name &&
    isWaypointClass(g.spec.gatewayClassName, snapshot.gatewayClasses, istioVersionOf(snapshot));
  if (!snapshot.gateways.some(isTarget))
    throw new NotFoundError(`waypoint ${ref.namespace}/${ref.name} not found`);
  let next: ClusterSnapshot = {
    ...snapshot,
    gateways: snapshot.gateways.filter((g) => !isTarget(g)),
  };
  const warnings: string[] = [];
  if (mutation.unenroll === true) {
    const found = dependents(snapshot, ref);
    for (const d of found)
      if (d.kind === 'WorkloadEntry')
        warnings.push(
          ...specLabelWarnings(snapshot, {
            kind: 'workloadentry',
            namespace: d.namespace,
            name: d.name,
          }),
        );
    const key = (d: { kind: string; namespace: string; name: string }): string =>
      `${d.kind} ${d.namespace}/${d.name}`;
    const named = new Set(found.filter((d) => d.canary !== true).map(key));
    const canaries = new Set(found.filter((d) => d.canary === true).map(key));
    const drop = <T extends { metadata: ObjectMeta }>(kind: string, o: T, ns: string): T => {
      const k = key({ kind, namespace: ns, name: o.metadata.name });
      let out = o;
      if (named.has(k))
        out = withLabels(out, (labels) => {
          delete labels[USE_WAYPOINT];
          delete labels[USE_WAYPOINT_NAMESPACE];
        });
      if (canaries.has(k))
        out = {
          ...out,
          metadata: {
            ...out.metadata,
            labels: edited(out.metadata.labels, CANARY_CLEARED.labels),
            annotations: edited(out.metadata.annotations, CANARY_CLEARED.annotations),
          },
        };
      return out;
    };
    next = {
      ...next,
      namespaces: next.namespaces.map((n) => drop('Namespace', n, n.metadata.name)),
      services: next.services.map((s) => drop('Service', s, s.metadata.namespace ?? '')),
      pods: next.pods.map((p) => drop('Pod', p, p.metadata.namespace ?? '')),
      serviceEntries: (next.serviceEntries ?? []).map((e) =>
        drop('ServiceEntry', e, e.metadata.namespace ?? ''),
      ),
      workloadEntries: (next.workloadEntries ?? []).map((e) =>
        drop('WorkloadEntry', e, e.metadata.namespace ?? ''),
      ),
    };
  }
  return { snapshot: next, warnings };
}

type CanaryMutation = Mutation & { op: 'enrollCanary' | 'promoteCanary' | 'rollbackCanary' };

function describeCanaryTarget(target: CanaryTarget): string {
  return target.kind === 'namespace'
    ? `namespace ${target.namespace}`
    : `${target.kind} ${target.namespace}/${target.name}`;
}

/** The object a canary mutation changes; NotFoundError when it does not exist. */
export function canaryObject(snapshot: ClusterSnapshot, target: CanaryTarget): ObjectMeta {
  requireNamespace(snapshot, target.namespace);
  if (target.kind === 'namespace') return requireNamespace(snapshot, target.namespace).metadata;
  if (target.kind === 'serviceentry') {
    const entry = (snapshot.serviceEntries ?? []).find(
      (e) => inNamespace(e.metadata, target.namespace) && e.metadata.name === target.name,
    );
    if (entry === undefined)
      throw new NotFoundError(`${ENTRY_RESOURCES.serviceentry} "${target.name}" not found`);
    return entry.metadata;
  }
  const found = snapshot.services.find(
    (s) => inNamespace(s.metadata, target.namespace) && s.metadata.name === target.name,
  );
  if (found === undefined) throw new NotFoundError(`services "${target.name}" not found`);
  return found.metadata;
}

function checkWeight(weight: number): void {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    const message = 'must be an integer from 0 to 100';
    throw new ValidationError(`invalid weight ${weight}: ${message}`, [
      { path: 'weight', message },
    ]);
  }
}

/** The changes that remove an object's canary: its two labels and the weight annotation. */
export const CANARY_CLEARED: MetaChanges = {
  labels: { [USE_WAYPOINT_CANARY]: null, [USE_WAYPOINT_CANARY_NAMESPACE]: null },
  annotations: { [USE_WAYPOINT_CANARY_WEIGHT]: null },
};

/**
 * The label and annotation changes of a canary mutation on `meta` (§5.1): enroll sets the canary
 * (and the weight when given); promote makes the canary the waypoint and clears the canary;
 * rollback clears the canary. Promote and rollback need a canary label on the object itself.
 *
 * @example
 * canaryChanges({ op: 'rollbackCanary', target }, reviews.metadata);
 * // => { labels: { 'istio.io/use-waypoint-canary': null, ... }, annotations: { ...weight: null } }
 */
export function canaryChanges(mutation: CanaryMutation, meta: ObjectMeta): MetaChanges {
  if (mutation.op === 'enrollCanary') {
    checkLabelValue('canary', mutation.canary);
    if (mutation.canaryNamespace !== undefined)
      checkLabelValue('canaryNamespace', mutation.canaryNamespace);
    if (mutation.weight !== undefined) checkWeight(mutation.weight);
    return {
      labels: {
        [USE_WAYPOINT_CANARY]: mutation.canary,
        [USE_WAYPOINT_CANARY_NAMESPACE]: mutation.canaryNamespace ?? null,
      },
      annotations:
        mutation.weight === undefined
          ? {}
          : { [USE_WAYPOINT_CANARY_WEIGHT]: String(mutation.weight) },
    };
  }
  const canary = meta.labels?.[USE_WAYPOINT_CANARY];
  if (canary === undefined || canary === '' || canary === NO_WAYPOINT) {
    const message = `${describeCanaryTarget(mutation.target)} has no canary of its own (label ${USE_WAYPOINT_CANARY})`;
    throw new ValidationError(message, [{ path: 'target', message }]);
  }
  if (mutation.op === 'rollbackCanary') return CANARY_CLEARED;
  return {
    labels: {
      [USE_WAYPOINT]: canary,
      [USE_WAYPOINT_NAMESPACE]: meta.labels?.[USE_WAYPOINT_CANARY_NAMESPACE] ?? null,
      ...CANARY_CLEARED.labels,
    },
    annotations: CANARY_CLEARED.annotations,
  };
}

function edited(
  map: StringMap | undefined,
  changes: Readonly<Record<string, string | null>>,
): Labels {
  const out: Labels = { ...map };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

function applyCanary(snapshot: ClusterSnapshot, mutation: CanaryMutation): Applied {
  const { target } = mutation;
  const changes = canaryChanges(mutation, canaryObject(snapshot, target));
  const edit = <T extends { metadata: ObjectMeta }>(o: T): T => ({
    ...o,
    metadata: {
      ...o.metadata,
      labels: edited(o.metadata.labels, changes.labels),
      annotations: edited(o.metadata.annotations, changes.annotations),
    },
  });
  if (target.kind === 'namespace') {
    return {
      snapshot: {
        ...snapshot,
        namespaces: snapshot.namespaces.map((n) =>
          n.metadata.name === target.namespace ? edit(n) : n,
        ),
      },
      warnings: [],
    };
  }
  const isTarget = (meta: ObjectMeta): boolean =>
    inNamespace(meta, target.namespace) && meta.name === target.name;
  if (target.kind === 'serviceentry') {
    return {
      snapshot: {
        ...snapshot,
        serviceEntries: (snapshot.serviceEntries ?? []).map((e) =>
          isTarget(e.metadata) ? edit(e) : e,
        ),
      },
      warnings: [],
    };
  }
  return {
    snapshot: {
      ...snapshot,
      services: snapshot.services.map((s) => (isTarget(s.metadata) ? edit(s) : s)),
    },
    warnings: [],
  };
}

/**
 * Applies a mutation to a snapshot in memory, exactly as the cluster would end up after waypointer
 * made the change (a new waypoint is assumed to become ready, as istiod makes it).
 */
export function applyMutation(snapshot: ClusterSnapshot, mutation: Mutation): Applied {
  switch (mutation.op) {
    case 'applyWaypoint':
      return applyWaypoint(snapshot, mutation);
    case 'deleteWaypoint':
      return deleteWaypoint(snapshot, mutation);
    case 'enroll':
      return enroll(snapshot, mutation);
    case 'unenroll':
      return unenroll(snapshot, mutation.target);
    case 'enrollCanary':
    case 'promoteCanary':
    case 'rollbackCanary':
      return applyCanary(snapshot, mutation);
  }
}

/**
 * Every binding of a snapshot: Services, Pods, namespace defaults, and the ServiceEntries,
 * WorkloadEntries and inline endpoints of §15. What a plan, and what a done mutation, compares.
 *
 * @example
 * diff(everyBinding(before), everyBinding(after)); // the changes a mutation made
 */
export function everyBinding(snapshot: ClusterSnapshot): BindingSet {
  return { ...computeBindings(snapshot), ...computeEntryBindings(snapshot) };
}

/**
 * The binding changes `mutation` would cause on `snapshot`.
 *
 * @example
 * plan(snapshot, { op: 'enroll', target: { kind: 'namespace', namespace: 'default' }, waypoint: 'waypoint' })
 *   .changes // => one entry per Service (and Pod) whose waypoint changes
 */
export function plan(snapshot: ClusterSnapshot, mutation: Mutation): Plan {
  const before = everyBinding(snapshot);
  const applied = applyMutation(snapshot, mutation);
  const after = everyBinding(applied.snapshot);
  return {
    mutation,
    warnings: applied.warnings,
    skipped: applied.skipped === true,
    changes: diff(before, after),
    before,
    after,
  };
}
