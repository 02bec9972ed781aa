/**
 * Diagnostics of ServiceEntries and WorkloadEntries (docs/istio-semantics.md §15): each code, its
 * severity and its subject, one row per rule.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/domain/diagnostics.ts';
import type { ClusterSnapshot, ServiceEntry, WorkloadEntry } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, hbone, namespace, service } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const USE_NS = 'istio.io/use-waypoint-namespace';
const FOR = 'istio.io/waypoint-for';
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };
type Labels = Record<string, string>;

function serviceEntry(name: string, labels: Labels = {}, hosts?: string[]): ServiceEntry {
  return {
    metadata: { name, namespace: 'default', labels, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { hosts: hosts ?? [`${name}.example.com`], resolution: 'STATIC' },
  };
}

function workloadEntry(name: string, labels: Labels = {}, specLabels?: Labels): WorkloadEntry {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { address: '10.0.0.1', ...(specLabels === undefined ? {} : { labels: specLabels }) },
  };
}

function world(parts: Partial<ClusterSnapshot>): ClusterSnapshot {
  return {
    namespaces: [namespace('default', AMBIENT)],
    services: [],
    pods: [],
    gateways: [
      gateway('default', 'svc'),
      gateway('default', 'wl', { labels: { [FOR]: 'workload' } }),
      gateway('default', 'both', { labels: { [FOR]: 'all' } }),
    ],
    gatewayClasses: [gatewayClass('istio-waypoint')],
    ...parts,
  };
}

/** The diagnostics about entries only (the waypoints of `world` are unused in most rows). */
const entryCodes = (snapshot: ClusterSnapshot): string[][] =>
  diagnose(snapshot)
    .filter((d) => d.object.kind === 'ServiceEntry' || d.object.kind === 'WorkloadEntry')
    .map((d) => [d.code, d.severity, d.subject]);

const NAMESPACE_VISIBILITY = {
  discoverySelectors: [],
  revision: '',
  serviceEntryVisibility: { defaultVisibility: 'NAMESPACE' },
} as ClusterSnapshot['meshConfig'];

describe('diagnose ServiceEntries and WorkloadEntries', () => {
  it('reports nothing for entries bound to waypoints that serve their traffic', () => {
    expect(
      entryCodes(
        world({
          serviceEntries: [serviceEntry('api', { [USE]: 'svc' })],
          workloadEntries: [workloadEntry('vm', { [USE]: 'wl' })],
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, Partial<ClusterSnapshot>, string[][]]>([
    [
      'S1/R4: a ServiceEntry labelled with a waypoint that does not exist',
      { serviceEntries: [serviceEntry('api', { [USE]: 'gone' })] },
      [['dangling-reference', 'error', 'ServiceEntry default/api']],
    ],
    [
      'S1/R4: a ServiceEntry labelled with a waypoint without addresses',
      {
        gateways: [gateway('default', 'svc', { ready: false })],
        serviceEntries: [serviceEntry('api', { [USE]: 'svc' })],
      },
      [['waypoint-not-programmed', 'error', 'ServiceEntry default/api']],
    ],
    [
      'S1/R5: a ServiceEntry labelled with a workload-only waypoint',
      { serviceEntries: [serviceEntry('api', { [USE]: 'wl' })] },
      [['traffic-type-mismatch', 'error', 'ServiceEntry default/api']],
    ],
    [
      'E2/K4: a WorkloadEntry labelled with a service-only waypoint',
      { workloadEntries: [workloadEntry('vm', { [USE]: 'svc' })] },
      [['traffic-type-mismatch', 'error', 'WorkloadEntry default/vm']],
    ],
    [
      'E1/R4: a WorkloadEntry whose spec.labels name a waypoint that does not exist',
      { workloadEntries: [workloadEntry('vm', {}, { [USE]: 'gone' })] },
      [['dangling-reference', 'error', 'WorkloadEntry default/vm']],
    ],
    [
      'E1: spec.labels name another waypoint than metadata.labels (metadata wins)',
      { workloadEntries: [workloadEntry('vm', { [USE]: 'wl' }, { [USE]: 'both' })] },
      [['entry-label-overridden', 'warning', 'WorkloadEntry default/vm']],
    ],
    [
      'E1: the same waypoint in both label sets is no finding',
      { workloadEntries: [workloadEntry('vm', { [USE]: 'wl' }, { [USE]: 'wl' })] },
      [],
    ],
    [
      'S4: a host shadowed by a Kubernetes Service of the namespace (the Service wins)',
      {
        services: [service('default', 'reviews')],
        serviceEntries: [
          serviceEntry('reviews', { [USE]: 'svc' }, [
            'reviews.default.svc.cluster.local',
            'reviews.example.com',
          ]),
        ],
      },
      [['host-shadowed', 'warning', 'ServiceEntry default/reviews']],
    ],
    [
      'S4, S5: every host shadowed, so the ServiceEntry is not configured',
      {
        services: [service('default', 'reviews')],
        serviceEntries: [
          serviceEntry('reviews', { [USE]: 'svc' }, ['reviews.default.svc.cluster.local']),
        ],
      },
      [['host-shadowed', 'warning', 'ServiceEntry default/reviews']],
    ],
    [
      'M4: a labelled ServiceEntry of another revision is ignored by istiod',
      {
        meshConfig: { discoverySelectors: [], serviceEntryVisibility: null, revision: 'canary' },
        serviceEntries: [serviceEntry('api', { [USE]: 'svc', 'istio.io/rev': 'stable' })],
      },
      [['entry-ignored', 'warning', 'ServiceEntry default/api']],
    ],
    [
      'M2: a labelled WorkloadEntry in a namespace the discovery selectors leave out',
      {
        meshConfig: {
          discoverySelectors: [{ matchLabels: { mesh: 'on' } }],
          serviceEntryVisibility: null,
          revision: '',
        },
        workloadEntries: [workloadEntry('vm', { [USE]: 'wl' })],
      },
      [['entry-ignored', 'warning', 'WorkloadEntry default/vm']],
    ],
    [
      'M4: an unlabelled entry of another revision is no finding',
      {
        meshConfig: { discoverySelectors: [], serviceEntryVisibility: null, revision: 'canary' },
        serviceEntries: [serviceEntry('api', { 'istio.io/rev': 'stable' })],
      },
      [],
    ],
    [
      'S3: a labelled ServiceEntry with NONE visibility is not configured',
      {
        istioVersion: '1.31',
        meshConfig: {
          discoverySelectors: [],
          revision: '',
          serviceEntryVisibility: { defaultVisibility: 'NONE' },
        } as ClusterSnapshot['meshConfig'],
        serviceEntries: [serviceEntry('api', { [USE]: 'svc' })],
      },
      [['entry-ignored', 'warning', 'ServiceEntry default/api']],
    ],
    [
      'S2: NAMESPACE visibility refuses a waypoint in another namespace',
      {
        istioVersion: '1.31',
        meshConfig: NAMESPACE_VISIBILITY,
        namespaces: [namespace('default', AMBIENT), namespace('egress', AMBIENT)],
        gateways: [
          gateway('egress', 'shared', { listeners: [hbone({ namespaces: { from: 'All' } })] }),
        ],
        serviceEntries: [serviceEntry('api', { [USE]: 'shared', [USE_NS]: 'egress' })],
      },
      [['cross-namespace-forbidden', 'error', 'ServiceEntry default/api']],
    ],
  ])('%s', (_name, parts, expected) => {
    expect(entryCodes(world(parts))).toEqual(expected);
  });

  it('names the rule, the waypoint and the fix in the message, with structured fields', () => {
    const [finding] = diagnose(
      world({ workloadEntries: [workloadEntry('vm', { [USE]: 'wl' }, { [USE]: 'both' })] }),
    ).filter((d) => d.object.kind === 'WorkloadEntry');
    expect(finding).toMatchObject({
      code: 'entry-label-overridden',
      namespace: 'default',
      waypoint: { namespace: 'default', name: 'wl' },
      object: { kind: 'WorkloadEntry', namespace: 'default', name: 'vm' },
    });
    expect(finding?.message).toBe(
      'names waypoint default/both in spec.labels and default/wl in metadata.labels; istiod merges them and metadata.labels win (E1), so it uses default/wl. Remove istio.io/use-waypoint from spec.labels or make both agree.',
    );
  });
});
