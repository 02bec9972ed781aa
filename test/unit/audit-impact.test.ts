/**
 * Which audit events ask for a reconcile, and of what: every object kind the binding rules read
 * (docs/istio-semantics.md §2-§7, §15) moves bindings when written, and nothing else does.
 */
import { describe, expect, it } from 'vitest';
import { type AuditRecord, auditImpact } from '../../shared/domain/audit.ts';

type Ref = NonNullable<AuditRecord['objectRef']>;

function write(objectRef: Ref, verb = 'patch', code = 200): AuditRecord {
  return { auditID: 'a', stage: 'ResponseComplete', verb, objectRef, responseStatus: { code } };
}

const core = (resource: string, namespace: string | undefined, extra: Partial<Ref> = {}): Ref => ({
  resource,
  ...(namespace === undefined ? {} : { namespace }),
  name: 'x',
  ...extra,
});
const istio = (resource: string, namespace: string, extra: Partial<Ref> = {}): Ref => ({
  apiGroup: 'networking.istio.io',
  resource,
  namespace,
  name: 'x',
  ...extra,
});

describe('auditImpact', () => {
  it.each<[string, Ref, ReturnType<typeof auditImpact>]>([
    [
      'a namespace',
      { resource: 'namespaces', name: 'team-a' },
      { kind: 'namespace', namespace: 'team-a' },
    ],
    ['a Service', core('services', 'team-a'), { kind: 'namespace', namespace: 'team-a' }],
    ['a Pod', core('pods', 'team-a'), { kind: 'namespace', namespace: 'team-a' }],
    // ADR 0002: published bindings follow labels, not pod lifecycle; the kubelet's status writes
    // (a pod's IP, its phase) change no published binding.
    ['a Pod status', core('pods', 'team-a', { subresource: 'status' }), null],
    // §15.2, §15.3: ServiceEntries and WorkloadEntries bind in their own namespace.
    [
      'a ServiceEntry',
      istio('serviceentries', 'team-a'),
      { kind: 'namespace', namespace: 'team-a' },
    ],
    [
      'a WorkloadEntry',
      istio('workloadentries', 'team-a'),
      { kind: 'namespace', namespace: 'team-a' },
    ],
    // §15.1: the mesh ConfigMap decides which namespaces and entries istiod sees, cluster-wide.
    [
      'the mesh ConfigMap',
      core('configmaps', 'istio-system', { name: 'istio' }),
      { kind: 'cluster' },
    ],
    [
      'every ConfigMap of istio-system',
      core('configmaps', 'istio-system', { name: undefined }),
      { kind: 'cluster' },
    ],
    ['another ConfigMap', core('configmaps', 'istio-system', { name: 'istio-ca-root-cert' }), null],
    ['a ConfigMap named istio elsewhere', core('configmaps', 'team-a', { name: 'istio' }), null],
    [
      'a ServiceEntry status (istiod writes it)',
      istio('serviceentries', 'team-a', { subresource: 'status' }),
      null,
    ],
    ['a DestinationRule', istio('destinationrules', 'team-a'), null],
    ['a Pod eviction', core('pods', 'team-a', { subresource: 'eviction' }), null],
    ['a Service status', core('services', 'team-a', { subresource: 'status' }), null],
    [
      'a Deployment',
      { apiGroup: 'apps', resource: 'deployments', namespace: 'team-a', name: 'x' },
      null,
    ],
  ])('%s', (_what, ref, impact) => {
    expect(auditImpact(write(ref))).toEqual(impact);
  });

  it('ignores reads, failed writes and stages before ResponseComplete', () => {
    const entry = istio('serviceentries', 'team-a');
    expect(auditImpact(write(entry, 'get'))).toBeNull();
    expect(auditImpact(write(entry, 'create', 403))).toBeNull();
    expect(auditImpact({ ...write(entry), stage: 'RequestReceived' })).toBeNull();
  });
});
