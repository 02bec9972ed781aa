/**
 * Which Kubernetes audit events can change a binding, and where: the rules audit-ingest applies
 * before it asks for a reconcile. The audit body is never trusted (Gateways are logged at Metadata
 * level): an event only says which namespace to re-read.
 */
import {
  GATEWAY_GROUP,
  ISTIO_NETWORKING_GROUP,
  MESH_CONFIG_NAME,
  MESH_CONFIG_NAMESPACE,
} from './labels.ts';

/** The fields of an `audit.k8s.io/v1` Event the rules read. */
export interface AuditRecord {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly user?: { readonly username?: string };
  /** The client's User-Agent; waypointer's own writes name their caller there (actor.ts). */
  readonly userAgent?: string;
  readonly objectRef?: {
    readonly resource?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly apiGroup?: string;
    readonly subresource?: string;
  };
  readonly responseStatus?: { readonly code?: number };
}

/** Where a change can move bindings. */
export type Impact =
  /** Objects of one namespace (its labels, a Service, a Pod, a ServiceEntry, a WorkloadEntry). */
  | { readonly kind: 'namespace'; readonly namespace: string }
  /** A Gateway: its namespace, and every namespace whose objects name it. */
  | { readonly kind: 'gateway'; readonly namespace: string; readonly name: string }
  /** A GatewayClass or istiod's MeshConfig: any namespace. */
  | { readonly kind: 'cluster' };

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function isSuccess(event: AuditRecord): boolean {
  const code = event.responseStatus?.code;
  return code === undefined || (code >= 200 && code < 300);
}

/** Subresources whose writes move bindings, by resource. */
const SUBRESOURCES: Readonly<Record<string, string>> = {
  // The namespace controller ends a namespace's life with an update of `namespaces/finalize`.
  namespaces: 'finalize',
};

function coreImpact(resource: string, ref: NonNullable<AuditRecord['objectRef']>): Impact | null {
  if (ref.subresource !== undefined && SUBRESOURCES[resource] !== ref.subresource) return null;
  if (resource === 'namespaces') {
    const namespace = ref.name ?? ref.namespace;
    return namespace === undefined ? null : { kind: 'namespace', namespace };
  }
  if ((resource === 'services' || resource === 'pods') && ref.namespace !== undefined) {
    return { kind: 'namespace', namespace: ref.namespace };
  }
  // istiod's MeshConfig decides which namespaces, waypoints and entries exist for it (§15.1).
  const meshConfig =
    resource === 'configmaps' &&
    ref.namespace === MESH_CONFIG_NAMESPACE &&
    (ref.name === undefined || ref.name === MESH_CONFIG_NAME);
  return meshConfig ? { kind: 'cluster' } : null;
}

/** ServiceEntries and WorkloadEntries bind in their own namespace (§15.2, §15.3). */
function entryImpact(resource: string, ref: NonNullable<AuditRecord['objectRef']>): Impact | null {
  const entry = resource === 'serviceentries' || resource === 'workloadentries';
  if (!entry || ref.subresource !== undefined || ref.namespace === undefined) return null;
  return { kind: 'namespace', namespace: ref.namespace };
}

function gatewayImpact(
  resource: string,
  ref: NonNullable<AuditRecord['objectRef']>,
): Impact | null {
  if (resource === 'gatewayclasses')
    return ref.subresource === undefined ? { kind: 'cluster' } : null;
  if (resource !== 'gateways' || ref.namespace === undefined) return null;
  // `status` matters: istiod sets status.addresses there, which is what makes a waypoint usable.
  if (ref.subresource !== undefined && ref.subresource !== 'status') return null;
  if (ref.name === undefined) return { kind: 'cluster' };
  return { kind: 'gateway', namespace: ref.namespace, name: ref.name };
}

/**
 * What an audit event can change: null for reads, failed requests, stages other than
 * ResponseComplete, and resources that no published binding depends on (Deployments, pod status: published bindings
 * follow labels, not pod lifecycle, ADR 0002).
 *
 * @example
 * auditImpact({ auditID: 'a', stage: 'ResponseComplete', verb: 'patch',
 *   objectRef: { resource: 'namespaces', name: 'default' }, responseStatus: { code: 200 } })
 * // => { kind: 'namespace', namespace: 'default' }
 */
export function auditImpact(event: AuditRecord): Impact | null {
  if (event.stage !== 'ResponseComplete' || !WRITES.has(event.verb) || !isSuccess(event))
    return null;
  const ref = event.objectRef;
  const resource = ref?.resource;
  if (ref === undefined || resource === undefined) return null;
  const group = ref.apiGroup ?? '';
  if (group === '') return coreImpact(resource, ref);
  if (group === GATEWAY_GROUP) return gatewayImpact(resource, ref);
  if (group === ISTIO_NETWORKING_GROUP) return entryImpact(resource, ref);
  return null;
}
