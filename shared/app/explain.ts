/**
 * `explain`: why a Service or Pod is bound to the waypoint it is bound to (or to none): which
 * `istio.io/use-waypoint` label decided, which of Istio's rules applied (the rule ids of
 * docs/istio-semantics.md), the `istio.io/WaypointBound` condition, and what to type to change it.
 */
import {
  type Canary,
  computeBindings,
  formatRef,
  parseUseWaypoint,
  type WaypointBoundCondition,
  type WaypointRef,
} from '../domain/bindings.ts';
import { type Diagnostic, diagnose } from '../domain/diagnostics.ts';
import { NotFoundError } from '../domain/errors.ts';
import {
  GATEWAY_NAME,
  USE_WAYPOINT,
  USE_WAYPOINT_CANARY,
  USE_WAYPOINT_NAMESPACE,
} from '../domain/labels.ts';
import { type ClusterSnapshot, istioVersionOf, type ObjectMeta } from '../domain/model.ts';
import type { Deps, Requested } from './deps.ts';

/** One of Istio's rules, by its id in docs/istio-semantics.md. */
export interface RuleApplied {
  readonly id: string;
  readonly text: string;
}

/** The waypoint labels of one object. */
export interface WaypointLabels {
  readonly useWaypoint: string | null;
  readonly useWaypointNamespace: string | null;
}

/** Why an object is bound as it is. */
export interface Explanation {
  readonly object: {
    readonly kind: 'Service' | 'Pod';
    readonly namespace: string;
    readonly name: string;
  };
  /** Services: service-addressed traffic; Pods: workload-addressed traffic. */
  readonly traffic: 'service' | 'workload';
  readonly waypoint: WaypointRef | null;
  /** Services: the canary beside the waypoint (Istio 1.31+, §5.1), or null. */
  readonly canary: Canary | null;
  /** Pods: false when istiod builds no workload for the pod now (§7 K6, K7). */
  readonly workload?: false;
  /** Which label decided: the object's own (`service`, `pod`), its namespace's, or none. */
  readonly via: string | null;
  readonly labels: { readonly object: WaypointLabels; readonly namespace: WaypointLabels };
  /** The deciding label, in words. */
  readonly decidedBy: string;
  readonly rules: readonly RuleApplied[];
  /** istiod's `istio.io/WaypointBound` condition (Services only: Pods carry none, K5). */
  readonly condition: WaypointBoundCondition | null;
  readonly diagnostics: readonly Diagnostic[];
  /** Commands of the grammar that would change the binding. */
  readonly fixes: readonly string[];
}

export interface ExplainInput extends Requested {
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: 'service' | 'pod';
  readonly name: string;
}

function labelsOf(meta: ObjectMeta | undefined): WaypointLabels {
  return {
    useWaypoint: meta?.labels?.[USE_WAYPOINT] ?? null,
    useWaypointNamespace: meta?.labels?.[USE_WAYPOINT_NAMESPACE] ?? null,
  };
}

const RULE = {
  R1: "the object's own istio.io/use-waypoint label beats its namespace's, in every outcome",
  R2: '"none" on the object means no waypoint, even when the namespace names one',
  R3: '"none" on the namespace is the same as no label',
  R4: 'a waypoint that does not exist or has no status.addresses gives no waypoint (WaypointIsNotReady), with no fallback',
  R5: 'the traffic type is checked after resolution: a mismatch gives no waypoint, with no fallback',
  A4: 'a waypoint whose HBONE listener does not admit the namespace gives no waypoint (AttachmentDenied), with no fallback',
  K1: "a waypoint's own pods never have a waypoint",
  K3: 'a service waypoint (the default traffic type) never binds pods',
  K4: 'a pod labelled with a service-only waypoint gets no waypoint',
  K5: 'pods carry no WaypointBound condition',
  K6: 'a Succeeded or Failed pod, or one without an IP, has no workload, so no waypoint',
  N1: 'Istio 1.30 reads no canary labels (canary waypoints are 1.31+)',
  N8: 'a canary istiod cannot attach leaves the Service on its waypoint alone, still WaypointBound=True',
  N9: 'a canary takes its weight in percent of the connections, the waypoint the rest',
} as const;

/** The canary part of a Service's explanation (§5.1): rules and what to type. */
function canaryPart(
  snapshot: ClusterSnapshot,
  found: ObjectMeta,
  canary: Canary | null,
  diagnostics: readonly Diagnostic[],
  input: ExplainInput,
): { rules: RuleApplied[]; fixes: string[] } {
  const own = found.labels?.[USE_WAYPOINT_CANARY] !== undefined;
  const target = `service ${input.name} -n ${input.namespace}`;
  const rules: RuleApplied[] = [];
  const fixes: string[] = [];
  if (own && istioVersionOf(snapshot) === '1.30') rules.push(rule('N1'));
  if (canary !== null) {
    rules.push(rule('N9'));
    if (own) fixes.push(`waypointer promote ${target}`, `waypointer rollback ${target}`);
  }
  if (diagnostics.some((d) => d.code === 'canary-not-attached')) {
    rules.push(rule('N8'));
    if (own) fixes.push(`waypointer rollback ${target}`);
  }
  return { rules, fixes };
}

function rule(id: keyof typeof RULE): RuleApplied {
  return { id, text: RULE[id] };
}

/** Explains the binding of one Service or Pod. */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one branch per rule of docs/istio-semantics.md, kept together to be read against it
export async function explainBinding(deps: Deps, input: ExplainInput): Promise<Explanation> {
  deps.authorizer.authorize(input.caller, 'read', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const cluster = deps.clusters.get(input.cluster);
  let snapshot = await cluster.namespaceSnapshot(input.namespace);
  const ns = input.namespace;
  const isPod = input.kind === 'pod';
  if (isPod && !snapshot.pods.some((p) => p.metadata.name === input.name)) {
    const pods = await cluster.podsOf({ kind: 'pods', namespace: ns, names: [input.name] });
    snapshot = { ...snapshot, pods: [...snapshot.pods, ...pods] };
  }
  const objects = isPod ? snapshot.pods : snapshot.services;
  const found = objects.find((o) => o.metadata.name === input.name && o.metadata.namespace === ns);
  if (found === undefined)
    throw new NotFoundError(`${isPod ? 'pods' : 'services'} "${input.name}" not found`);
  const bindings = computeBindings(snapshot);
  const entry = (isPod ? bindings.pods : bindings.services).find(
    (b) => b.name === input.name && b.namespace === ns,
  );
  const namespaceMeta = snapshot.namespaces.find((n) => n.metadata.name === ns)?.metadata;
  const labels = { object: labelsOf(found.metadata), namespace: labelsOf(namespaceMeta) };
  const own = parseUseWaypoint(found.metadata.labels, ns);
  const inherited = parseUseWaypoint(namespaceMeta?.labels, ns);
  const condition = entry !== undefined && 'condition' in entry ? entry.condition : null;
  const noun = isPod ? 'Pod' : 'Service';
  const rules: RuleApplied[] = [];
  let decidedBy: string;
  let named: WaypointRef | null = null;
  if (own.kind === 'none') {
    rules.push(rule('R2'));
    decidedBy = `the ${noun}'s own label ${USE_WAYPOINT}=none`;
  } else if (own.kind === 'ref') {
    rules.push(rule('R1'));
    named = own.ref;
    decidedBy = `the ${noun}'s own label ${USE_WAYPOINT}=${labels.object.useWaypoint}`;
  } else if (inherited.kind === 'ref') {
    named = inherited.ref;
    decidedBy = `namespace ${ns}'s label ${USE_WAYPOINT}=${labels.namespace.useWaypoint}`;
  } else {
    if (inherited.kind === 'none') rules.push(rule('R3'));
    decidedBy = `no ${USE_WAYPOINT} label on the ${noun} or on namespace ${ns}`;
  }
  const instance =
    isPod &&
    found.metadata.labels?.[GATEWAY_NAME] !== undefined &&
    entry?.waypoint === null &&
    entry.via === null;
  if (instance && named === null) rules.push(rule('K1'));
  const reason = condition?.reason;
  if (reason === 'WaypointIsNotReady') rules.push(rule('R4'));
  if (reason === 'AttachmentDenied') rules.push(rule('A4'));
  if (reason === 'UnsupportedTrafficType') rules.push(rule('R5'));
  const diagnostics = diagnose(snapshot).filter(
    (d) => d.object?.kind === noun && d.object.name === input.name && d.object.namespace === ns,
  );
  if (isPod && named !== null && entry?.waypoint === null) {
    const dangling = diagnostics.some((d) => d.code === 'dangling-reference');
    if (!dangling) rules.push(rule(own.kind === 'ref' ? 'K4' : 'K3'));
  }
  if (isPod) rules.push(rule('K5'));
  const workload = entry !== undefined && 'workload' in entry ? entry.workload : undefined;
  if (workload === false) rules.push(rule('K6'));
  const canary = entry !== undefined && 'canary' in entry ? entry.canary : null;
  const canaryFacts = isPod
    ? { rules: [], fixes: [] }
    : canaryPart(snapshot, found.metadata, canary, diagnostics, input);
  return {
    object: { kind: noun, namespace: ns, name: input.name },
    traffic: isPod ? 'workload' : 'service',
    waypoint: entry?.waypoint ?? null,
    canary,
    ...(workload === false ? { workload } : {}),
    via: entry?.via ?? null,
    labels,
    decidedBy,
    rules: [...rules, ...canaryFacts.rules],
    condition,
    diagnostics,
    fixes: [
      ...fixesFor(input, named, entry?.waypoint ?? null, own.kind, reason, diagnostics),
      ...canaryFacts.fixes,
    ],
  };
}

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one branch per rule of docs/istio-semantics.md, kept together to be read against it
function fixesFor(
  input: ExplainInput,
  named: WaypointRef | null,
  bound: WaypointRef | null,
  own: 'absent' | 'none' | 'ref',
  reason: string | undefined,
  diagnostics: readonly Diagnostic[],
): string[] {
  const target = input.kind === 'pod' ? `pod ${input.name}` : `service ${input.name}`;
  const here = `-n ${input.namespace}`;
  const fixes: string[] = [];
  if (named !== null && bound === null) {
    const at = `-n ${named.namespace} --name ${named.name}`;
    if (diagnostics.some((d) => d.code === 'dangling-reference'))
      fixes.push(`waypointer apply ${at}${input.kind === 'pod' ? ' --for workload' : ''}`);
    else if (reason === 'WaypointIsNotReady')
      fixes.push(`waypointer status ${named.name} -n ${named.namespace}`);
    else if (reason === 'AttachmentDenied')
      fixes.push(
        `let waypoint ${formatRef(named)} admit namespace ${input.namespace}: allowedRoutes.namespaces.from All or Selector on its HBONE listener`,
      );
    else fixes.push(`waypointer apply ${at} --for all`);
  }
  if (own === 'absent' && bound === null)
    fixes.push(`waypointer enroll ${target} ${here} --waypoint WAYPOINT`);
  if (own !== 'absent') fixes.push(`waypointer unenroll ${target} ${here}`);
  if (own === 'absent' && bound !== null)
    fixes.push(`waypointer enroll ${target} ${here} --waypoint none`);
  return fixes;
}
