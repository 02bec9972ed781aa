/**
 * `explain serviceentry/NAME` and `explain workloadentry/NAME`: Istio's decision for an entry, as
 * for a Service or a Pod (docs/istio-semantics.md §15), through the command grammar the CLI,
 * Slack and EventBridge share, over an in-memory cluster.
 */
import { describe, expect, it } from 'vitest';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { policyAuthorizer } from '../../shared/app/authorization.ts';
import { runCommand } from '../../shared/app/run-command.ts';
import { parseCommand } from '../../shared/commands/grammar.ts';
import { renderOutcome } from '../../shared/commands/render.ts';
import { SnapshotCluster } from '../../shared/commands/snapshot-cluster.ts';
import type { ClusterSnapshot, ServiceEntry, WorkloadEntry } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, hbone, namespace, service } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const USE_NS = 'istio.io/use-waypoint-namespace';
const CANARY = 'istio.io/use-waypoint-canary';
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
    namespaces: [namespace('default', { ...AMBIENT, [USE]: 'svc' })],
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

async function explain(snapshot: ClusterSnapshot, text: string) {
  const outcome = await runCommand(
    {
      clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
      authorizer: policyAuthorizer({
        version: 1,
        allowProtectedNamespaces: true,
        rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
      }),
    },
    { cluster: 'c', caller: { id: 'local:t', kind: 'local' }, command: text },
  );
  const rendered = renderOutcome(outcome, 'json', '');
  const json = rendered.stdout === '' ? null : JSON.parse(rendered.stdout);
  const table = renderOutcome(outcome, 'table', '').stdout.split('\n');
  return { json, table, stderr: rendered.stderr };
}

const ruleIds = (json: { rules: { id: string }[] }): string[] => json.rules.map((r) => r.id);

describe('explain serviceentry/NAME', () => {
  it('S1: a ServiceEntry inherits its namespace waypoint, service-addressed traffic', async () => {
    const { json, table } = await explain(
      world({ serviceEntries: [serviceEntry('api')] }),
      'explain serviceentry/api -n default',
    );
    expect(json).toMatchObject({
      object: { kind: 'ServiceEntry', namespace: 'default', name: 'api' },
      traffic: 'service',
      waypoint: { namespace: 'default', name: 'svc' },
      via: 'namespace',
      decidedBy: "namespace default's label istio.io/use-waypoint=svc",
      condition: {
        status: 'True',
        reason: 'WaypointAccepted',
        message: 'Successfully attached to waypoint default/svc',
      },
      fixes: ['waypointer enroll serviceentry api -n default --waypoint none'],
    });
    expect(ruleIds(json)).toEqual(['S1']);
    expect(table[0]).toBe('ServiceEntry default/api (service-addressed traffic)');
    expect(table).toContain('  waypoint:      default/svc via namespace');
  });

  it("R1, R5: its own label beats the namespace's; a workload-only waypoint is refused", async () => {
    const { json } = await explain(
      world({ serviceEntries: [serviceEntry('api', { [USE]: 'wl' })] }),
      'explain se/api -n default',
    );
    expect(json).toMatchObject({
      waypoint: null,
      via: 'serviceentry',
      decidedBy: "the ServiceEntry's own label istio.io/use-waypoint=wl",
      condition: { status: 'False', reason: 'UnsupportedTrafficType' },
      fixes: [
        'waypointer apply -n default --name wl --for all',
        'waypointer unenroll serviceentry api -n default',
      ],
    });
    expect(ruleIds(json)).toEqual(['S1', 'R1', 'R5']);
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'traffic-type-mismatch',
    ]);
  });

  it('S2: NAMESPACE visibility refuses a waypoint in another namespace', async () => {
    const { json, table } = await explain(
      world({
        istioVersion: '1.31',
        meshConfig: {
          discoverySelectors: [],
          revision: '',
          serviceEntryVisibility: { defaultVisibility: 'NAMESPACE' },
        },
        namespaces: [namespace('default', AMBIENT), namespace('egress', AMBIENT)],
        gateways: [
          gateway('egress', 'shared', { listeners: [hbone({ namespaces: { from: 'All' } })] }),
        ],
        serviceEntries: [serviceEntry('api', { [USE]: 'shared', [USE_NS]: 'egress' })],
      }),
      'explain serviceentry/api -n default',
    );
    expect(json.condition).toMatchObject({
      status: 'False',
      reason: 'CrossNamespaceWaypointForbidden',
    });
    expect(json.conditions['istio.io/VisibilityApplied']).toMatchObject({ reason: 'Namespace' });
    expect(ruleIds(json)).toEqual(['S1', 'R1', 'S2']);
    expect(table).toContain(
      '  VisibilityApplied: True Namespace: ServiceEntry is visible only within its own namespace (NAMESPACE), per mesh serviceEntryVisibility.',
    );
  });

  it('S4, S5: a ServiceEntry whose every host a Service wins is not configured', async () => {
    const { json } = await explain(
      world({
        services: [service('default', 'reviews')],
        serviceEntries: [serviceEntry('reviews', {}, ['reviews.default.svc.cluster.local'])],
      }),
      'explain serviceentry/reviews -n default',
    );
    expect(json).toMatchObject({ waypoint: null, condition: null, configured: false });
    expect(ruleIds(json)).toEqual(['S1', 'S4', 'S5']);
  });

  it('M4: a ServiceEntry of another revision is not seen by istiod', async () => {
    const { json } = await explain(
      world({
        meshConfig: { discoverySelectors: [], serviceEntryVisibility: null, revision: 'canary' },
        serviceEntries: [serviceEntry('api', { 'istio.io/rev': 'stable' })],
      }),
      'explain serviceentry/api -n default',
    );
    expect(json).toMatchObject({ waypoint: null, condition: null, configured: false });
    expect(ruleIds(json)).toEqual(['S1', 'M4']);
  });

  it('N9: shows a canary and how to promote or roll it back', async () => {
    const { json, table } = await explain(
      world({
        istioVersion: '1.31',
        serviceEntries: [serviceEntry('api', { [USE]: 'svc', [CANARY]: 'both' })],
      }),
      'explain serviceentry/api -n default',
    );
    expect(json.canary).toMatchObject({ waypoint: { namespace: 'default', name: 'both' } });
    expect(ruleIds(json)).toContain('N9');
    expect(json.fixes).toEqual([
      'waypointer unenroll serviceentry api -n default',
      'waypointer promote serviceentry api -n default',
      'waypointer rollback serviceentry api -n default',
    ]);
    expect(table.some((l) => l.startsWith('  canary:        default/both'))).toBe(true);
  });

  it('says when the ServiceEntry does not exist', async () => {
    const { json, stderr } = await explain(world({}), 'explain serviceentry/gone -n default');
    expect([json, stderr]).toEqual([null, 'Error: serviceentries "gone" not found\n']);
  });
});

describe('explain workloadentry/NAME', () => {
  it('E1, E2: spec.labels name the waypoint, workload-addressed traffic', async () => {
    const { json, table } = await explain(
      world({ workloadEntries: [workloadEntry('vm', {}, { [USE]: 'wl' })] }),
      'explain workloadentry/vm -n default',
    );
    expect(json).toMatchObject({
      object: { kind: 'WorkloadEntry', namespace: 'default', name: 'vm' },
      traffic: 'workload',
      waypoint: { namespace: 'default', name: 'wl' },
      via: 'workloadentry',
      labels: { object: { useWaypoint: 'wl' } },
      decidedBy: "the WorkloadEntry's own label istio.io/use-waypoint=wl (spec.labels)",
      condition: { status: 'True', reason: 'WaypointAccepted' },
    });
    expect(ruleIds(json)).toEqual(['E2', 'E1', 'R1']);
    expect(table[0]).toBe('WorkloadEntry default/vm (workload-addressed traffic)');
  });

  it('E2/K3: a service waypoint of the namespace binds no WorkloadEntry, and writes no condition', async () => {
    const { json } = await explain(
      world({ workloadEntries: [workloadEntry('vm')] }),
      'explain we/vm -n default',
    );
    expect(json).toMatchObject({ waypoint: null, via: null, condition: null });
    expect(ruleIds(json)).toEqual(['E2', 'K3']);
  });

  it('E1: metadata.labels win over spec.labels', async () => {
    const { json } = await explain(
      world({ workloadEntries: [workloadEntry('vm', { [USE]: 'both' }, { [USE]: 'wl' })] }),
      'explain workloadentry/vm -n default',
    );
    expect(json).toMatchObject({
      waypoint: { namespace: 'default', name: 'both' },
      decidedBy: "the WorkloadEntry's own label istio.io/use-waypoint=both",
    });
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'entry-label-overridden',
    ]);
  });

  it('R4: a dangling reference, and how to fix it', async () => {
    const { json } = await explain(
      world({ workloadEntries: [workloadEntry('vm', { [USE]: 'gone' })] }),
      'explain workloadentry/vm -n default',
    );
    expect(json.condition).toMatchObject({ status: 'False', reason: 'WaypointIsNotReady' });
    expect(ruleIds(json)).toEqual(['E2', 'R1', 'R4']);
    expect(json.fixes).toEqual([
      'waypointer apply -n default --name gone --for workload',
      'waypointer unenroll workloadentry vm -n default',
    ]);
  });
});

describe('the explain grammar', () => {
  it.each([
    ['explain serviceentry/api', 'serviceentry'],
    ['explain se/api', 'serviceentry'],
    ['explain workloadentry/vm', 'workloadentry'],
    ['explain we/vm', 'workloadentry'],
  ])('%s explains a %s', (text, kind) => {
    expect(parseCommand(text)).toMatchObject({ verb: 'explain', kind });
  });

  it('takes the structured form EventBridge commands use', () => {
    expect(
      parseCommand({ verb: 'explain', kind: 'workloadentry', name: 'vm', namespace: 'default' }),
    ).toMatchObject({ verb: 'explain', kind: 'workloadentry', name: 'vm', namespace: 'default' });
  });

  it('names every kind it takes when the object is of another kind', () => {
    expect(() => parseCommand('explain deployment/x')).toThrow(
      'explain takes one object: service/NAME, pod/NAME, serviceentry/NAME or workloadentry/NAME, as in: explain service/reviews -n default',
    );
  });
});
