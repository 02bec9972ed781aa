/**
 * Diagnostics: what is wrong or worth knowing about a cluster's waypoints, beyond the conditions
 * istiod writes. Each has a stable code, a subject (`Kind namespace/name`), a message that says
 * what happens to traffic and what to do, and structured fields (the object, its namespace, the
 * waypoint concerned) to select diagnostics by: never match their text.
 */
import {
  BindingContext,
  type BindingError,
  dependents,
  formatRef,
  parseUseWaypoint,
  servesServices,
  type WaypointRef,
  waypointReferences,
} from './bindings.ts';
import { atLeast } from './istio-version.ts';
import {
  AGENTGATEWAY_WAYPOINT_CONTROLLER,
  DATAPLANE_MODE,
  DATAPLANE_MODE_AMBIENT,
  GATEWAY_MANAGED,
  GATEWAY_NAME,
  PROTECTED_NAMESPACES,
  REVISION,
  USE_WAYPOINT,
  USE_WAYPOINT_CANARY,
} from './labels.ts';
import { istiodView, meshConfigOf, visibilityFor } from './mesh-config.ts';
import type {
  ClusterSnapshot,
  Gateway,
  MeshConfig,
  ObjectCondition,
  ObjectMeta,
  Service,
  ServiceEntry,
  WorkloadEntry,
} from './model.ts';
import {
  computeEntryBindings,
  WAYPOINT_BOUND as ENTRY_WAYPOINT_BOUND,
  serviceHostsOf,
  workloadEntryLabels,
} from './service-entries.ts';
import { isReady, isWaypointClass, programmedStatus } from './waypoints.ts';

export type DiagnosticCode =
  | 'dangling-reference'
  | 'waypoint-not-programmed'
  | 'waypoint-degraded'
  | 'attachment-denied'
  | 'traffic-type-mismatch'
  | 'unused-waypoint'
  | 'namespace-not-ambient'
  | 'protected-namespace'
  | 'canary-not-attached'
  | 'canary-ignored'
  | 'drift'
  | 'waypoint-binds-itself'
  | 'cross-namespace-forbidden'
  | 'entry-label-overridden'
  | 'host-shadowed'
  | 'entry-ignored';

export type Severity = 'error' | 'warning' | 'info';

/** The object a diagnostic is about; a Namespace's `namespace` is its own name. */
export interface DiagnosticObject {
  readonly kind: 'Namespace' | 'Service' | 'Pod' | 'Gateway' | 'ServiceEntry' | 'WorkloadEntry';
  readonly namespace: string;
  readonly name: string;
}

/** One finding about one object. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** `Namespace name` or `Kind namespace/name`, for people. */
  readonly subject: string;
  readonly message: string;
  /** The namespace of the object (a Namespace's own name). */
  readonly namespace: string;
  /** The waypoint the finding is about (the one named, or the Gateway itself), if any. */
  readonly waypoint: WaypointRef | null;
  readonly object: DiagnosticObject;
}

function objectOf(kind: DiagnosticObject['kind'], meta: ObjectMeta): DiagnosticObject {
  const namespace = kind === 'Namespace' ? meta.name : (meta.namespace ?? '');
  return { kind, namespace, name: meta.name };
}

/** A diagnostic about `object`, its subject and namespace derived from it. */
function finding(
  code: DiagnosticCode,
  severity: Severity,
  object: DiagnosticObject,
  waypoint: WaypointRef | null,
  message: string,
): Diagnostic {
  const subject =
    object.kind === 'Namespace'
      ? `Namespace ${object.name}`
      : `${object.kind} ${object.namespace}/${object.name}`;
  return { code, severity, subject, message, namespace: object.namespace, waypoint, object };
}

interface Scan {
  readonly context: BindingContext;
  readonly gateways: ReadonlyMap<string, Gateway>;
  readonly out: Diagnostic[];
}

/** The diagnostic for a reference istiod could not honour. */
function referenceProblem(scan: Scan, object: DiagnosticObject, error: BindingError): Diagnostic {
  const ref = formatRef(error.waypoint);
  const bypass =
    object.kind === 'Namespace'
      ? "traffic of the namespace's Services and Pods bypasses any waypoint"
      : `${object.kind === 'Pod' || object.kind === 'WorkloadEntry' ? 'workload' : 'service'}-addressed traffic bypasses any waypoint (Istio never falls back to the namespace's waypoint)`;
  const problem = (code: DiagnosticCode, message: string): Diagnostic =>
    finding(code, 'error', object, error.waypoint, `uses waypoint ${ref}, ${message}`);
  if (error.reason === 'AttachmentDenied') {
    return problem(
      'attachment-denied',
      `whose listener does not admit this namespace (allowedRoutes); ${bypass}. Set allowedRoutes.namespaces.from to All, or a Selector that matches, on the waypoint's HBONE listener.`,
    );
  }
  if (error.reason === 'UnsupportedTrafficType') {
    const traffic = error.traffic ?? 'service';
    return problem(
      'traffic-type-mismatch',
      `which does not serve ${traffic} traffic (istio.io/waypoint-for); ${bypass}. Label the waypoint istio.io/waypoint-for=${traffic} or all.`,
    );
  }
  if (!scan.gateways.has(ref)) {
    return problem(
      'dangling-reference',
      `which does not exist; ${bypass}. Apply the waypoint or remove the ${USE_WAYPOINT} label.`,
    );
  }
  return problem(
    'waypoint-not-programmed',
    `which has no status.addresses yet (not programmed by istiod); ${bypass} until it is.`,
  );
}

function checkObjects(scan: Scan, snapshot: ClusterSnapshot): void {
  const { context, out } = scan;
  for (const service of snapshot.services) {
    if (parseUseWaypoint(service.metadata.labels, '').kind !== 'ref') continue;
    const { error } = context.serviceOutcome(service);
    if (error === null) continue;
    out.push(referenceProblem(scan, objectOf('Service', service.metadata), error));
  }
  for (const pod of snapshot.pods) {
    if (parseUseWaypoint(pod.metadata.labels, '').kind !== 'ref') continue;
    const { error } = context.podOutcome(pod);
    if (error === null) continue;
    out.push(referenceProblem(scan, objectOf('Pod', pod.metadata), error));
  }
}

function checkNamespaces(scan: Scan, snapshot: ClusterSnapshot): void {
  const { context, out } = scan;
  for (const namespace of snapshot.namespaces) {
    const name = namespace.metadata.name;
    const resolution = context.namespaceResolution(name);
    const object = objectOf('Namespace', namespace.metadata);
    if (resolution.error !== null) {
      out.push(referenceProblem(scan, object, resolution.error));
      continue;
    }
    const waypoint = resolution.waypoint;
    if (waypoint === null || servesServices(waypoint)) continue;
    const affected = snapshot.services.filter(
      (s) => (s.metadata.namespace ?? '') === name && context.bindService(s).via === 'namespace',
    ).length;
    if (affected === 0) continue;
    const ref = { namespace: waypoint.namespace, name: waypoint.name };
    out.push(
      finding(
        'traffic-type-mismatch',
        'warning',
        object,
        ref,
        `uses waypoint ${formatRef(ref)} (istio.io/waypoint-for: ${waypoint.trafficType}), which does not serve service traffic: ${affected} Service(s) of the namespace get no waypoint (UnsupportedTrafficType).`,
      ),
    );
  }
}

/** Namespaces whose objects use waypoints, for the ambient and protected-namespace checks. */
function namespacesUsingWaypoints(snapshot: ClusterSnapshot): Set<string> {
  return new Set([...waypointReferences(snapshot)].map((r) => r.namespace));
}

function checkEnrollment(scan: Scan, snapshot: ClusterSnapshot): void {
  const using = namespacesUsingWaypoints(snapshot);
  for (const namespace of snapshot.namespaces) {
    const name = namespace.metadata.name;
    if (!using.has(name)) continue;
    const object = objectOf('Namespace', namespace.metadata);
    if (PROTECTED_NAMESPACES.includes(name)) {
      scan.out.push(
        finding(
          'protected-namespace',
          'warning',
          object,
          null,
          `is a system namespace, yet it or its objects carry ${USE_WAYPOINT}; waypointer refuses to change it unless its policy allows it.`,
        ),
      );
    }
    if (namespace.metadata.labels?.[DATAPLANE_MODE] !== DATAPLANE_MODE_AMBIENT) {
      scan.out.push(
        finding(
          'namespace-not-ambient',
          'warning',
          object,
          null,
          `uses waypoints but is not enrolled in ambient: only pods labelled ${DATAPLANE_MODE}=ambient are captured. Consider running \`kubectl label namespace ${name} ${DATAPLANE_MODE}=ambient\`.`,
        ),
      );
    }
  }
}

function checkWaypoints(scan: Scan, snapshot: ClusterSnapshot): void {
  for (const gateway of scan.gateways.values()) {
    if (
      !isWaypointClass(
        gateway.spec.gatewayClassName,
        snapshot.gatewayClasses,
        scan.context.istioVersion,
      )
    )
      continue;
    const object = objectOf('Gateway', gateway.metadata);
    const self = { namespace: object.namespace, name: object.name };
    if (isReady(gateway) && programmedStatus(gateway) !== 'True') {
      scan.out.push(
        finding(
          'waypoint-degraded',
          'warning',
          object,
          self,
          `is not Programmed (status ${programmedStatus(gateway)}) but keeps its status.addresses, so objects stay bound to it; check its Deployment's pods.`,
        ),
      );
    }
    if (dependents(snapshot, self).length === 0) {
      scan.out.push(
        finding(
          'unused-waypoint',
          'info',
          object,
          self,
          `is used by no namespace, Service or Pod (no ${USE_WAYPOINT} label names it).`,
        ),
      );
    }
  }
}

/**
 * A canary istiod does not attach, while the Service stays `WaypointBound=True` (N7, N8): only the
 * end of the condition's message says so.
 */
function checkCanaries(scan: Scan, snapshot: ClusterSnapshot): void {
  const { context, out } = scan;
  if (!atLeast(context.istioVersion, '1.31')) return;
  for (const service of snapshot.services) {
    const { waypoint, error } = context.serviceOutcome(service);
    if (waypoint === null || error !== null) continue;
    const primary = { namespace: waypoint.namespace, name: waypoint.name };
    const canary = context.canaryOf(service.metadata, primary);
    if (canary.kind !== 'failed') continue;
    out.push(
      finding(
        'canary-not-attached',
        'warning',
        objectOf('Service', service.metadata),
        canary.waypoint,
        `is bound to waypoint ${formatRef(primary)} (WaypointBound=True), but its canary ${formatRef(canary.waypoint)} is not attached: ${canary.error.message}. Every connection goes to ${formatRef(primary)}; fix the canary or roll it back.`,
      ),
    );
  }
}

/** Canary labels on a cluster whose Istio (1.30) does not read them (N1). */
function checkIgnoredCanaries(scan: Scan, snapshot: ClusterSnapshot): void {
  if (atLeast(scan.context.istioVersion, '1.31')) return;
  const objects: [DiagnosticObject['kind'], readonly { metadata: ObjectMeta }[]][] = [
    ['Namespace', snapshot.namespaces],
    ['Service', snapshot.services],
  ];
  for (const [kind, list] of objects) {
    for (const { metadata } of list) {
      if (metadata.labels?.[USE_WAYPOINT_CANARY] === undefined) continue;
      scan.out.push(
        finding(
          'canary-ignored',
          'info',
          objectOf(kind, metadata),
          null,
          `carries ${USE_WAYPOINT_CANARY}, which Istio ${scan.context.istioVersion} does not read (canary waypoints are 1.31+): every connection goes to its waypoint.`,
        ),
      );
    }
  }
}

/**
 * The Service istiod deploys for an agentgateway waypoint is not exempt from binding
 * (`fetchWaypointForService` exempts only the mesh and east-west controllers' Services, W8): bound
 * to its own waypoint, traffic to the waypoint loops through it.
 */
function checkSelfBinding(scan: Scan, snapshot: ClusterSnapshot): void {
  if (!atLeast(scan.context.istioVersion, '1.31')) return;
  for (const service of snapshot.services) {
    const labels = service.metadata.labels;
    if (labels?.[GATEWAY_MANAGED] !== AGENTGATEWAY_WAYPOINT_CONTROLLER) continue;
    const own = { namespace: service.metadata.namespace ?? '', name: labels[GATEWAY_NAME] ?? '' };
    const binding = scan.context.bindService(service);
    if (binding.waypoint === null || formatRef(binding.waypoint) !== formatRef(own)) continue;
    const gateway = scan.gateways.get(formatRef(own));
    scan.out.push(
      finding(
        'waypoint-binds-itself',
        'error',
        objectOf('Service', service.metadata),
        own,
        `is the Service of waypoint ${formatRef(own)} (${gateway?.spec.gatewayClassName ?? 'unknown class'}) and is bound to that waypoint itself (via ${binding.via}): Istio exempts only istio-waypoint and east-west Services, so traffic to the waypoint loops through it. Label the Service ${USE_WAYPOINT}=none.`,
      ),
    );
  }
}

const WAYPOINT_BOUND = 'istio.io/WaypointBound';

function observedCondition(service: Service): ObjectCondition | null {
  return service.status?.conditions?.find((c) => c.type === WAYPOINT_BOUND) ?? null;
}

function describeCondition(condition: {
  readonly status: string;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}): string {
  return `${condition.status} (${condition.reason ?? ''}: ${condition.message ?? ''})`;
}

/**
 * The `istio.io/WaypointBound` condition istiod wrote on a Service that differs from the one the
 * labels and waypoints give (§9). A missing condition counts only in a cluster where istiod writes
 * them (some Service has one): with `AMBIENT_ENABLE_STATUS` off there are none at all.
 */
function checkDrift(scan: Scan, snapshot: ClusterSnapshot): void {
  const writes = snapshot.services.some((s) => observedCondition(s) !== null);
  if (!writes) return;
  for (const service of snapshot.services) {
    const observed = observedCondition(service);
    const computed = scan.context.bindService(service).condition;
    const same =
      observed === null
        ? computed === null
        : computed !== null &&
          observed.status === computed.status &&
          (observed.reason ?? '') === computed.reason &&
          (observed.message ?? '') === computed.message;
    if (same) continue;
    const reported =
      observed === null
        ? 'istiod reports no WaypointBound condition'
        : `istiod reports WaypointBound=${describeCondition(observed)}`;
    const expected = computed === null ? 'no condition' : describeCondition(computed);
    scan.out.push(
      finding(
        'drift',
        'warning',
        objectOf('Service', service.metadata),
        null,
        `${reported}, but the labels and waypoints give ${expected}; istiod has not caught up, or it runs another Istio version than the one configured.`,
      ),
    );
  }
}

/** `namespace/name` of an object, to match entries across the raw snapshot and istiod's view. */
function keyOf(meta: ObjectMeta): string {
  return `${meta.namespace ?? ''}/${meta.name}`;
}

/** Whether an entry's own labels (a WorkloadEntry's merged labels, E1) name a waypoint. */
function namesWaypoint(labels: ObjectMeta['labels']): boolean {
  return parseUseWaypoint(labels, '').kind === 'ref';
}

/** An entry as the ignored-entry check reads it: kind, metadata and the labels istiod reads (E1). */
type EntryLabels = readonly [DiagnosticObject['kind'], ObjectMeta, ObjectMeta['labels']];

function labelledEntries(snapshot: ClusterSnapshot): EntryLabels[] {
  return [
    ...(snapshot.serviceEntries ?? []).map(
      (e): EntryLabels => ['ServiceEntry', e.metadata, e.metadata.labels],
    ),
    ...(snapshot.workloadEntries ?? []).map(
      (e): EntryLabels => ['WorkloadEntry', e.metadata, workloadEntryLabels(e)],
    ),
  ].filter(([, , labels]) => namesWaypoint(labels));
}

/** What istiod sees of entries and namespaces, to tell why an entry is ignored. */
interface Sight {
  readonly mesh: MeshConfig;
  readonly seen: ReadonlySet<string>;
  readonly discovered: ReadonlySet<string>;
  readonly namespaceLabels: ReadonlyMap<string, ObjectMeta['labels']>;
  readonly visibility: boolean;
}

/** Why istiod ignores an entry (M2, M4, S3), or null when it configures it. */
function whyIgnored(sight: Sight, kind: DiagnosticObject['kind'], meta: ObjectMeta): string | null {
  const { mesh } = sight;
  const namespace = meta.namespace ?? '';
  if (!sight.seen.has(keyOf(meta))) {
    if (mesh.discoverySelectors.length > 0 && !sight.discovered.has(namespace))
      return `its namespace ${namespace} matches none of MeshConfig discoverySelectors (M2)`;
    return `its ${REVISION} label ${JSON.stringify(meta.labels?.[REVISION] ?? '')} is not istiod's revision ${JSON.stringify(mesh.revision)} (M4)`;
  }
  const none =
    kind === 'ServiceEntry' &&
    sight.visibility &&
    visibilityFor(mesh, sight.namespaceLabels.get(namespace)) === 'None';
  return none
    ? `MeshConfig serviceEntryVisibility gives namespace ${namespace} NONE visibility (S3)`
    : null;
}

/**
 * Labelled entries istiod does not see or does not configure: outside the discovery selectors
 * (M2), of another revision (M4), or of a namespace whose ServiceEntry visibility is NONE (S3).
 */
function checkIgnoredEntries(scan: Scan, snapshot: ClusterSnapshot, view: ClusterSnapshot): void {
  const sight: Sight = {
    mesh: meshConfigOf(snapshot),
    seen: new Set(
      [...(view.serviceEntries ?? []), ...(view.workloadEntries ?? [])].map((e) =>
        keyOf(e.metadata),
      ),
    ),
    discovered: new Set(view.namespaces.map((n) => n.metadata.name)),
    namespaceLabels: new Map(snapshot.namespaces.map((n) => [n.metadata.name, n.metadata.labels])),
    visibility: atLeast(scan.context.istioVersion, '1.31'),
  };
  for (const [kind, meta] of labelledEntries(snapshot)) {
    const why = whyIgnored(sight, kind, meta);
    if (why === null) continue;
    scan.out.push(
      finding(
        'entry-ignored',
        'warning',
        objectOf(kind, meta),
        null,
        `carries ${USE_WAYPOINT}, but istiod ignores it: ${why}. Its label has no effect and no condition is written.`,
      ),
    );
  }
}

/** S4, S5: hosts of a ServiceEntry that a Kubernetes Service of its namespace wins. */
function checkShadowedHosts(scan: Scan, view: ClusterSnapshot): void {
  const serviceHosts = serviceHostsOf(view);
  for (const entry of view.serviceEntries ?? []) {
    const namespace = entry.metadata.namespace ?? '';
    const hosts = [...new Set(entry.spec.hosts)];
    const lost = hosts.filter((h) => serviceHosts.has(`${namespace}/${h}`));
    if (lost.length === 0) continue;
    const outcome =
      lost.length === hosts.length
        ? 'every host is lost, so istiod does not configure the ServiceEntry at all: no waypoint, no condition, its endpoints are not workloads (S5)'
        : "traffic to them follows the Service's binding, not this ServiceEntry's";
    scan.out.push(
      finding(
        'host-shadowed',
        'warning',
        objectOf('ServiceEntry', entry.metadata),
        null,
        `has host(s) ${lost.join(', ')} that a Kubernetes Service of namespace ${namespace} also has; the Service wins (S4): ${outcome}. Remove the host or the Service.`,
      ),
    );
  }
}

/** E1: a WorkloadEntry whose spec.labels name another waypoint than its metadata.labels. */
function overriddenLabel(entry: WorkloadEntry): Diagnostic | null {
  const namespace = entry.metadata.namespace ?? '';
  const spec = parseUseWaypoint(entry.spec?.labels, namespace);
  const meta = parseUseWaypoint(entry.metadata.labels, namespace);
  if (spec.kind !== 'ref' || meta.kind === 'absent') return null;
  if (meta.kind === 'ref' && formatRef(meta.ref) === formatRef(spec.ref)) return null;
  const used = meta.kind === 'ref' ? formatRef(meta.ref) : 'none';
  return finding(
    'entry-label-overridden',
    'warning',
    objectOf('WorkloadEntry', entry.metadata),
    meta.kind === 'ref' ? meta.ref : null,
    `names waypoint ${formatRef(spec.ref)} in spec.labels and ${used} in metadata.labels; istiod merges them and metadata.labels win (E1), so it uses ${used}. Remove ${USE_WAYPOINT} from spec.labels or make both agree.`,
  );
}

/** A reference of a labelled ServiceEntry (S1, S2) istiod could not honour. */
function serviceEntryProblem(
  scan: Scan,
  context: BindingContext,
  entry: ServiceEntry,
  reason: string | undefined,
): Diagnostic | null {
  const object = objectOf('ServiceEntry', entry.metadata);
  const { waypoint, error } = context.serviceOutcome({ metadata: entry.metadata });
  if (reason === 'CrossNamespaceWaypointForbidden' && waypoint !== null) {
    const ref = { namespace: waypoint.namespace, name: waypoint.name };
    return finding(
      'cross-namespace-forbidden',
      'error',
      object,
      ref,
      `uses waypoint ${formatRef(ref)} in another namespace, but MeshConfig serviceEntryVisibility gives namespace ${object.namespace} NAMESPACE visibility, which forbids it (S2, CrossNamespaceWaypointForbidden); service-addressed traffic bypasses any waypoint. Use a waypoint of namespace ${object.namespace}.`,
    );
  }
  return error === null ? null : referenceProblem(scan, object, error);
}

/**
 * ServiceEntries and WorkloadEntries (§15): references istiod could not honour (as for Services
 * and Pods, on istiod's view), entries it ignores, shadowed hosts and overridden labels.
 */
function checkEntries(scan: Scan, snapshot: ClusterSnapshot): void {
  const view = istiodView(snapshot);
  const context = view === snapshot ? scan.context : new BindingContext(view);
  checkServiceEntryReferences(scan, snapshot, view, context);
  checkWorkloadEntryReferences(scan, view, context);
  checkIgnoredEntries(scan, snapshot, view);
  checkShadowedHosts(scan, view);
}

function checkServiceEntryReferences(
  scan: Scan,
  snapshot: ClusterSnapshot,
  view: ClusterSnapshot,
  context: BindingContext,
): void {
  const reasons = new Map(
    computeEntryBindings(snapshot).serviceEntries.map((b) => [
      `${b.namespace}/${b.name}`,
      b.conditions[ENTRY_WAYPOINT_BOUND]?.reason,
    ]),
  );
  for (const entry of view.serviceEntries ?? []) {
    if (!namesWaypoint(entry.metadata.labels)) continue;
    // Not configured (S3, S5): no condition; checkIgnoredEntries and checkShadowedHosts say why.
    const reason = reasons.get(keyOf(entry.metadata));
    if (reason === undefined) continue;
    const problem = serviceEntryProblem(scan, context, entry, reason);
    if (problem !== null) scan.out.push(problem);
  }
}

function checkWorkloadEntryReferences(
  scan: Scan,
  view: ClusterSnapshot,
  context: BindingContext,
): void {
  for (const entry of view.workloadEntries ?? []) {
    const overridden = overriddenLabel(entry);
    if (overridden !== null) scan.out.push(overridden);
    const labels = workloadEntryLabels(entry);
    if (!namesWaypoint(labels)) continue;
    const { error } = context.podOutcome({ metadata: { ...entry.metadata, labels } });
    if (error !== null)
      scan.out.push(referenceProblem(scan, objectOf('WorkloadEntry', entry.metadata), error));
  }
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Every diagnostic for a snapshot: errors first, then warnings, then notes; each by subject.
 *
 * @example
 * diagnose(snapshot).filter((d) => d.severity === 'error').map((d) => `${d.subject}: ${d.message}`)
 */
export function diagnose(
  snapshot: ClusterSnapshot,
  context = new BindingContext(snapshot),
): Diagnostic[] {
  const gateways = new Map(
    snapshot.gateways.map((g) => [`${g.metadata.namespace ?? ''}/${g.metadata.name}`, g]),
  );
  const scan: Scan = { context, gateways, out: [] };
  checkNamespaces(scan, snapshot);
  checkObjects(scan, snapshot);
  checkEnrollment(scan, snapshot);
  checkWaypoints(scan, snapshot);
  checkCanaries(scan, snapshot);
  checkIgnoredCanaries(scan, snapshot);
  checkDrift(scan, snapshot);
  checkSelfBinding(scan, snapshot);
  checkEntries(scan, snapshot);
  return scan.out.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.subject < b.subject
        ? -1
        : a.subject > b.subject
          ? 1
          : a.code < b.code
            ? -1
            : a.code > b.code
              ? 1
              : 0),
  );
}
