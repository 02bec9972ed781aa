/**
 * `explain`: why a Service, Pod, ServiceEntry or WorkloadEntry is bound to the waypoint it is bound
 * to (or to none): which
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
import { atLeast } from '../domain/istio-version.ts';
import {
  GATEWAY_NAME,
  USE_WAYPOINT,
  USE_WAYPOINT_CANARY,
  USE_WAYPOINT_NAMESPACE,
} from '../domain/labels.ts';
import { istiodView, meshConfigOf, visibilityFor } from '../domain/mesh-config.ts';
import { type ClusterSnapshot, istioVersionOf, type ObjectMeta } from '../domain/model.ts';
import {
  computeEntryBindings,
  type EntryCondition,
  type EntryConditions,
  type ServiceEntryBinding,
  serviceHostsOf,
  WAYPOINT_BOUND,
  type WorkloadEntryBinding,
  workloadEntryLabels,
} from '../domain/service-entries.ts';
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
    readonly kind: 'Service' | 'Pod' | 'ServiceEntry' | 'WorkloadEntry';
    readonly namespace: string;
    readonly name: string;
  };
  /** Services and ServiceEntries: service-addressed traffic; Pods and WorkloadEntries: workload-addressed. */
  readonly traffic: 'service' | 'workload';
  readonly waypoint: WaypointRef | null;
  /** Services and ServiceEntries: the canary beside the waypoint (Istio 1.31+, §5.1), or null. */
  readonly canary: Canary | null;
  /** Pods: false when istiod builds no workload for the pod now (§7 K6, K7). */
  readonly workload?: false;
  /** Entries: false when istiod does not see or configure the entry (§15 M2, M4, S3, S5). */
  readonly configured?: false;
  /**
   * Which label decided: the object's own (`service`, `pod`, `serviceentry`, `workloadentry`),
   * its namespace's, or none.
   */
  readonly via: string | null;
  readonly labels: { readonly object: WaypointLabels; readonly namespace: WaypointLabels };
  /** The deciding label, in words. */
  readonly decidedBy: string;
  readonly rules: readonly RuleApplied[];
  /** istiod's `istio.io/WaypointBound` condition (Pods carry none, K5). */
  readonly condition: WaypointBoundCondition | EntryCondition | null;
  /** Entries: every condition istiod writes on it, by type (§15 S6-S8, E3). */
  readonly conditions?: EntryConditions;
  readonly diagnostics: readonly Diagnostic[];
  /** Commands of the grammar that would change the binding. */
  readonly fixes: readonly string[];
}

export interface ExplainInput extends Requested {
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: 'service' | 'pod' | 'serviceentry' | 'workloadentry';
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
  S1: "a ServiceEntry is bound like a Service: its own label beats its namespace's; the waypoint must serve service traffic",
  S2: 'NAMESPACE visibility forbids a waypoint in another namespace (CrossNamespaceWaypointForbidden)',
  S3: 'NONE visibility: istiod does not configure the ServiceEntry (no waypoint, no condition)',
  S4: 'a Kubernetes Service of the namespace wins its hostname over any ServiceEntry',
  S5: 'a ServiceEntry all of whose hosts are lost is not configured (no waypoint, no condition)',
  E1: "a WorkloadEntry's labels are spec.labels merged under metadata.labels (metadata wins)",
  E2: "a WorkloadEntry is bound like a Pod: its own label beats its namespace's; the waypoint must serve workload traffic",
  M2: 'objects of a namespace outside MeshConfig discoverySelectors do not exist for istiod',
  M4: 'ServiceEntries and WorkloadEntries whose istio.io/rev names another revision are ignored',
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
  const target = `${input.kind} ${input.name} -n ${input.namespace}`;
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

/**
 * Explains the binding of one Service, Pod, ServiceEntry or WorkloadEntry.
 *
 * @example
 * (await explainBinding(deps, { caller, cluster: 'local', namespace: 'default', kind: 'serviceentry', name: 'api' })).rules;
 */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one branch per rule of docs/istio-semantics.md, kept together to be read against it
export async function explainBinding(deps: Deps, input: ExplainInput): Promise<Explanation> {
  deps.authorizer.authorize(input.caller, 'read', {
    cluster: input.cluster,
    namespace: input.namespace,
  });
  const cluster = deps.clusters.get(input.cluster);
  if (input.kind === 'serviceentry' || input.kind === 'workloadentry')
    return explainEntry(await cluster.namespaceSnapshot(input.namespace), input);
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
  const condition = entry !== undefined && 'condition' in entry ? entry.condition : null;
  const noun = isPod ? 'Pod' : 'Service';
  const decided = decision(
    { noun, labels: found.metadata.labels, fromSpec: false },
    namespaceMeta,
    ns,
  );
  const { rules, decidedBy, named } = decided;
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
    if (!dangling) rules.push(rule(decided.own === 'ref' ? 'K4' : 'K3'));
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
      ...fixesFor(input, named, entry?.waypoint ?? null, decided.own, reason, diagnostics),
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
  const target = `${input.kind} ${input.name}`;
  const here = `-n ${input.namespace}`;
  const workload = input.kind === 'pod' || input.kind === 'workloadentry';
  const fixes: string[] = [];
  if (named !== null && bound === null) {
    const at = `-n ${named.namespace} --name ${named.name}`;
    if (diagnostics.some((d) => d.code === 'dangling-reference'))
      fixes.push(`waypointer apply ${at}${workload ? ' --for workload' : ''}`);
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

/** The waypoint labels an entry's rules read, and where they sit. */
interface EntryFacts {
  readonly noun: 'ServiceEntry' | 'WorkloadEntry';
  readonly meta: ObjectMeta;
  /** What istiod reads: a WorkloadEntry's spec.labels merged under metadata.labels (E1). */
  readonly labels: ObjectMeta['labels'];
  /** Whether the deciding own label comes from spec.labels alone. */
  readonly fromSpec: boolean;
}

function entryFacts(snapshot: ClusterSnapshot, input: ExplainInput): EntryFacts {
  const ns = input.namespace;
  const here = (meta: ObjectMeta): boolean => meta.name === input.name && meta.namespace === ns;
  if (input.kind === 'serviceentry') {
    const found = (snapshot.serviceEntries ?? []).find((e) => here(e.metadata));
    if (found === undefined) throw new NotFoundError(`serviceentries "${input.name}" not found`);
    const meta = found.metadata;
    return { noun: 'ServiceEntry', meta, labels: meta.labels, fromSpec: false };
  }
  const found = (snapshot.workloadEntries ?? []).find((e) => here(e.metadata));
  if (found === undefined) throw new NotFoundError(`workloadentries "${input.name}" not found`);
  const labels = workloadEntryLabels(found);
  const fromSpec =
    found.metadata.labels?.[USE_WAYPOINT] === undefined &&
    found.spec?.labels?.[USE_WAYPOINT] !== undefined;
  return { noun: 'WorkloadEntry', meta: found.metadata, labels, fromSpec };
}

/** R1-R3: which label decides, for an object (of kind `noun`) whose labels istiod reads are `labels`. */
function decision(
  facts: Pick<EntryFacts, 'labels' | 'fromSpec'> & { readonly noun: string },
  namespaceMeta: ObjectMeta | undefined,
  ns: string,
): {
  rules: RuleApplied[];
  decidedBy: string;
  named: WaypointRef | null;
  own: 'absent' | 'none' | 'ref';
} {
  const own = parseUseWaypoint(facts.labels, ns);
  const inherited = parseUseWaypoint(namespaceMeta?.labels, ns);
  const where = facts.fromSpec ? ' (spec.labels)' : '';
  const value = facts.labels?.[USE_WAYPOINT];
  if (own.kind === 'none')
    return {
      rules: [rule('R2')],
      decidedBy: `the ${facts.noun}'s own label ${USE_WAYPOINT}=none${where}`,
      named: null,
      own: 'none',
    };
  if (own.kind === 'ref')
    return {
      rules: [rule('R1')],
      decidedBy: `the ${facts.noun}'s own label ${USE_WAYPOINT}=${value}${where}`,
      named: own.ref,
      own: 'ref',
    };
  if (inherited.kind === 'ref')
    return {
      rules: [],
      decidedBy: `namespace ${ns}'s label ${USE_WAYPOINT}=${namespaceMeta?.labels?.[USE_WAYPOINT]}`,
      named: inherited.ref,
      own: 'absent',
    };
  return {
    rules: inherited.kind === 'none' ? [rule('R3')] : [],
    decidedBy: `no ${USE_WAYPOINT} label on the ${facts.noun} or on namespace ${ns}`,
    named: null,
    own: 'absent',
  };
}

/** The binding of the entry itself (not an inline endpoint), absent when istiod does not see it. */
function entryBinding(
  snapshot: ClusterSnapshot,
  facts: EntryFacts,
  input: ExplainInput,
): ServiceEntryBinding | WorkloadEntryBinding | undefined {
  const computed = computeEntryBindings(snapshot, input.namespace);
  if (facts.noun === 'ServiceEntry')
    return computed.serviceEntries.find((b) => b.name === input.name);
  return computed.workloadEntries.find(
    (b) => b.name === input.name && b.serviceEntryEndpoint === undefined,
  );
}

/** The rules under which istiod does not configure an entry at all. */
const NOT_CONFIGURED: readonly string[] = ['M2', 'M4', 'S3', 'S5'];

/** Why istiod does not configure an entry it could bind (M2, M4, S3, S4, S5), as rules. */
function ignoredRules(
  snapshot: ClusterSnapshot,
  facts: EntryFacts,
  namespaceMeta: ObjectMeta | undefined,
): RuleApplied[] {
  const view = istiodView(snapshot);
  const mesh = meshConfigOf(snapshot);
  const key = (meta: ObjectMeta): boolean =>
    meta.name === facts.meta.name && meta.namespace === facts.meta.namespace;
  const entries = facts.noun === 'ServiceEntry' ? view.serviceEntries : view.workloadEntries;
  if (!(entries ?? []).some((e) => key(e.metadata))) {
    const discovered = view.namespaces.some((n) => n.metadata.name === facts.meta.namespace);
    return [rule(mesh.discoverySelectors.length > 0 && !discovered ? 'M2' : 'M4')];
  }
  if (facts.noun !== 'ServiceEntry') return [];
  if (
    atLeast(istioVersionOf(snapshot), '1.31') &&
    visibilityFor(mesh, namespaceMeta?.labels) === 'None'
  )
    return [rule('S3')];
  const hosts = serviceHostsOf(view);
  const entry = (view.serviceEntries ?? []).find((e) => key(e.metadata));
  const all = [...new Set(entry?.spec.hosts ?? [])];
  const lost = all.filter((h) => hosts.has(`${facts.meta.namespace}/${h}`));
  if (lost.length === 0) return [];
  return lost.length === all.length ? [rule('S4'), rule('S5')] : [rule('S4')];
}

/** Rules that follow from the outcome: R4, A4, R5, S2, and for WorkloadEntries K3 and K4. */
function outcomeRules(
  facts: EntryFacts,
  reason: string | undefined,
  named: WaypointRef | null,
  own: 'absent' | 'none' | 'ref',
  bound: WaypointRef | null,
): RuleApplied[] {
  const rules: RuleApplied[] = [];
  if (reason === 'WaypointIsNotReady') rules.push(rule('R4'));
  if (reason === 'AttachmentDenied') rules.push(rule('A4'));
  if (reason === 'UnsupportedTrafficType') rules.push(rule('R5'));
  if (reason === 'CrossNamespaceWaypointForbidden') rules.push(rule('S2'));
  const workload = facts.noun === 'WorkloadEntry';
  if (workload && reason === 'UnsupportedTrafficType' && own === 'ref') rules.push(rule('K4'));
  if (workload && reason === undefined && named !== null && bound === null && own === 'absent')
    rules.push(rule('K3'));
  return rules;
}

/**
 * Explains the binding of one ServiceEntry (as a Service, §15 S1-S8) or WorkloadEntry (as a Pod,
 * E1-E3) of a namespace snapshot.
 *
 * @example
 * explainEntry(snapshot, { caller, cluster: 'c', namespace: 'default', kind: 'workloadentry', name: 'vm' }).via; // 'workloadentry'
 */
export function explainEntry(snapshot: ClusterSnapshot, input: ExplainInput): Explanation {
  const ns = input.namespace;
  const facts = entryFacts(snapshot, input);
  const isService = facts.noun === 'ServiceEntry';
  const binding = entryBinding(snapshot, facts, input);
  const namespaceMeta = snapshot.namespaces.find((n) => n.metadata.name === ns)?.metadata;
  const decided = decision(facts, namespaceMeta, ns);
  const conditions = binding?.conditions ?? {};
  const condition = conditions[WAYPOINT_BOUND] ?? null;
  const waypoint = binding?.waypoint ?? null;
  const ignored = ignoredRules(snapshot, facts, namespaceMeta);
  const configured = binding !== undefined && !ignored.some((r) => NOT_CONFIGURED.includes(r.id));
  const diagnostics = diagnose(snapshot).filter(
    (d) =>
      d.object.kind === facts.noun && d.object.name === input.name && d.object.namespace === ns,
  );
  const canary = binding !== undefined && 'canary' in binding ? binding.canary : null;
  const canaryFacts = isService
    ? canaryPart(snapshot, facts.meta, canary, diagnostics, input)
    : { rules: [], fixes: [] };
  const base = isService ? [rule('S1')] : [rule('E2')];
  if (facts.fromSpec) base.push(rule('E1'));
  return {
    object: { kind: facts.noun, namespace: ns, name: input.name },
    traffic: isService ? 'service' : 'workload',
    waypoint,
    canary,
    ...(configured ? {} : { configured: false as const }),
    via: binding?.via ?? null,
    labels: {
      object: labelsOf({ name: input.name, labels: facts.labels ?? {} }),
      namespace: labelsOf(namespaceMeta),
    },
    decidedBy: decided.decidedBy,
    rules: [
      ...base,
      ...decided.rules,
      ...outcomeRules(facts, condition?.reason, decided.named, decided.own, waypoint),
      ...canaryFacts.rules,
      ...ignored,
    ],
    condition,
    conditions,
    diagnostics,
    fixes: [
      ...fixesFor(input, decided.named, waypoint, decided.own, condition?.reason, diagnostics),
      ...canaryFacts.fixes,
    ],
  };
}
