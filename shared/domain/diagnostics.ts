/**
 * Diagnostics: what is wrong or worth knowing about a cluster's waypoints, beyond the conditions
 * istiod writes. Each has a stable code, a subject (`Kind namespace/name`) and a message that says
 * what happens to traffic and what to do.
 */
import {
  BindingContext,
  type BindingError,
  formatRef,
  parseUseWaypoint,
  servesServices,
  waypointReferences,
} from './bindings.ts';
import {
  DATAPLANE_MODE,
  DATAPLANE_MODE_AMBIENT,
  PROTECTED_NAMESPACES,
  USE_WAYPOINT,
} from './labels.ts';
import type { ClusterSnapshot, Gateway, ObjectMeta } from './model.ts';
import { isReady, isWaypointClass, programmedStatus } from './waypoints.ts';

export type DiagnosticCode =
  | 'dangling-reference'
  | 'waypoint-not-programmed'
  | 'waypoint-degraded'
  | 'attachment-denied'
  | 'traffic-type-mismatch'
  | 'unused-waypoint'
  | 'namespace-not-ambient'
  | 'protected-namespace';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
}

type Kind = 'Namespace' | 'Service' | 'Pod';

function subjectOf(kind: Kind, meta: ObjectMeta): string {
  return kind === 'Namespace'
    ? `Namespace ${meta.name}`
    : `${kind} ${meta.namespace ?? ''}/${meta.name}`;
}

interface Scan {
  readonly context: BindingContext;
  readonly gateways: ReadonlyMap<string, Gateway>;
  readonly out: Diagnostic[];
}

/** The diagnostic for a reference istiod could not honour. */
function referenceProblem(
  scan: Scan,
  subject: string,
  error: BindingError,
  fromNamespace: boolean,
): Diagnostic {
  const ref = formatRef(error.waypoint);
  const bypass = fromNamespace
    ? "traffic of the namespace's Services and Pods bypasses any waypoint"
    : `${subject.startsWith('Pod') ? 'workload' : 'service'}-addressed traffic bypasses any waypoint (Istio never falls back to the namespace's waypoint)`;
  if (error.reason === 'AttachmentDenied') {
    return {
      code: 'attachment-denied',
      severity: 'error',
      subject,
      message: `uses waypoint ${ref}, whose listener does not admit this namespace (allowedRoutes); ${bypass}. Set allowedRoutes.namespaces.from to All, or a Selector that matches, on the waypoint's HBONE listener.`,
    };
  }
  if (error.reason === 'UnsupportedTrafficType') {
    const traffic = error.traffic ?? 'service';
    return {
      code: 'traffic-type-mismatch',
      severity: 'error',
      subject,
      message: `uses waypoint ${ref}, which does not serve ${traffic} traffic (istio.io/waypoint-for); ${bypass}. Label the waypoint istio.io/waypoint-for=${traffic} or all.`,
    };
  }
  if (!scan.gateways.has(ref)) {
    return {
      code: 'dangling-reference',
      severity: 'error',
      subject,
      message: `uses waypoint ${ref}, which does not exist; ${bypass}. Apply the waypoint or remove the ${USE_WAYPOINT} label.`,
    };
  }
  return {
    code: 'waypoint-not-programmed',
    severity: 'error',
    subject,
    message: `uses waypoint ${ref}, which has no status.addresses yet (not programmed by istiod); ${bypass} until it is.`,
  };
}

function checkObjects(scan: Scan, snapshot: ClusterSnapshot): void {
  const { context, out } = scan;
  for (const service of snapshot.services) {
    if (parseUseWaypoint(service.metadata.labels, '').kind !== 'ref') continue;
    const { error } = context.serviceOutcome(service);
    if (error === null) continue;
    out.push(referenceProblem(scan, subjectOf('Service', service.metadata), error, false));
  }
  for (const pod of snapshot.pods) {
    if (parseUseWaypoint(pod.metadata.labels, '').kind !== 'ref') continue;
    const { error } = context.podOutcome(pod);
    if (error === null) continue;
    out.push(referenceProblem(scan, subjectOf('Pod', pod.metadata), error, false));
  }
}

function checkNamespaces(scan: Scan, snapshot: ClusterSnapshot): void {
  const { context, out } = scan;
  for (const namespace of snapshot.namespaces) {
    const name = namespace.metadata.name;
    const resolution = context.namespaceResolution(name);
    const subject = subjectOf('Namespace', namespace.metadata);
    if (resolution.error !== null) {
      out.push(referenceProblem(scan, subject, resolution.error, true));
      continue;
    }
    const waypoint = resolution.waypoint;
    if (waypoint === null || servesServices(waypoint)) continue;
    const affected = snapshot.services.filter(
      (s) => (s.metadata.namespace ?? '') === name && context.bindService(s).via === 'namespace',
    ).length;
    if (affected === 0) continue;
    out.push({
      code: 'traffic-type-mismatch',
      severity: 'warning',
      subject,
      message: `uses waypoint ${waypoint.namespace}/${waypoint.name} (istio.io/waypoint-for: ${waypoint.trafficType}), which does not serve service traffic: ${affected} Service(s) of the namespace get no waypoint (UnsupportedTrafficType).`,
    });
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
    const subject = subjectOf('Namespace', namespace.metadata);
    if (PROTECTED_NAMESPACES.includes(name)) {
      scan.out.push({
        code: 'protected-namespace',
        severity: 'warning',
        subject,
        message: `is a system namespace, yet it or its objects carry ${USE_WAYPOINT}; waypointer refuses to change it unless its policy allows it.`,
      });
    }
    if (namespace.metadata.labels?.[DATAPLANE_MODE] !== DATAPLANE_MODE_AMBIENT) {
      scan.out.push({
        code: 'namespace-not-ambient',
        severity: 'warning',
        subject,
        message: `uses waypoints but is not enrolled in ambient: only pods labelled ${DATAPLANE_MODE}=ambient are captured. Consider running \`kubectl label namespace ${name} ${DATAPLANE_MODE}=ambient\`.`,
      });
    }
  }
}

function checkWaypoints(scan: Scan, snapshot: ClusterSnapshot): void {
  const referenced = new Set([...waypointReferences(snapshot)].map((r) => formatRef(r.ref)));
  for (const [key, gateway] of scan.gateways) {
    if (!isWaypointClass(gateway.spec.gatewayClassName, snapshot.gatewayClasses)) continue;
    const subject = `Gateway ${key}`;
    if (isReady(gateway) && programmedStatus(gateway) !== 'True') {
      scan.out.push({
        code: 'waypoint-degraded',
        severity: 'warning',
        subject,
        message: `is not Programmed (status ${programmedStatus(gateway)}) but keeps its status.addresses, so objects stay bound to it; check its Deployment's pods.`,
      });
    }
    if (!referenced.has(key)) {
      scan.out.push({
        code: 'unused-waypoint',
        severity: 'info',
        subject,
        message: `is used by no namespace, Service or Pod (no ${USE_WAYPOINT} label names it).`,
      });
    }
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
