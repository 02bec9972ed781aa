/**
 * The read use cases over a stub cluster: which diagnostics a waypoint's status and a namespace's
 * bindings show. Diagnostics are matched by their structured fields, never by text, so a waypoint's
 * name that prefixes another's (`waypoint`, `waypoint-east`) does not pull in the other's.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_PERMISSIVE, parsePolicy, policyAuthorizer } from '../../shared/app/authorization.ts';
import { getNamespaceBindings, listWaypoints, waypointStatus } from '../../shared/app/queries.ts';
import { reconcileNow } from '../../shared/app/reconcile-now.ts';
import { ForbiddenError } from '../../shared/domain/errors.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import type { Caller, Cluster } from '../../shared/ports.ts';
import type { ReconcileRequest } from '../../shared/schemas/reconcile-request.ts';
import { gateway, gatewayClass, namespace, service } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

/** `default/waypoint` serves the namespace; `default/waypoint-east` serves workloads only. */
const snapshot: ClusterSnapshot = {
  namespaces: [
    namespace('default', { ...AMBIENT, [USE]: 'waypoint' }),
    namespace('other', AMBIENT),
  ],
  services: [
    service('default', 'reviews'),
    // Names waypoint-east, which does not serve services: traffic-type-mismatch on waypoint-east.
    service('default', 'east', { [USE]: 'waypoint-east' }),
    service('other', 'ratings', { [USE]: 'gone' }),
  ],
  pods: [],
  gateways: [
    gateway('default', 'waypoint'),
    gateway('default', 'waypoint-east', { labels: { 'istio.io/waypoint-for': 'workload' } }),
  ],
  gatewayClasses: [gatewayClass('istio-waypoint')],
};

const cluster = {
  clusterSnapshot: async () => snapshot,
  namespaceSnapshot: async (name: string) => ({
    ...snapshot,
    namespaces: snapshot.namespaces.filter((n) => n.metadata.name === name),
    services: snapshot.services.filter((s) => s.metadata.namespace === name),
  }),
  getGateway: async (ns: string, name: string) =>
    snapshot.gateways.find((g) => g.metadata.namespace === ns && g.metadata.name === name) ?? null,
} as unknown as Cluster;

const caller: Caller = { id: 'jwt:alice', kind: 'jwt' };
const deps = {
  clusters: { names: () => ['c'], get: () => cluster },
  authorizer: policyAuthorizer(LOCAL_PERMISSIVE),
};

const described = (diagnostics: readonly { code: string; subject: string }[]): string[] =>
  diagnostics.map((d) => `${d.code} ${d.subject}`);

const statusOf = (name: string): ReturnType<typeof waypointStatus> =>
  waypointStatus(deps, { caller, cluster: 'c', namespace: 'default', name });

describe('waypoint status diagnostics', () => {
  it('shows only the diagnostics about this waypoint, not about one whose name it prefixes', async () => {
    expect(described((await statusOf('waypoint')).diagnostics)).toEqual([]);
  });

  it("shows the other waypoint's diagnostics on that waypoint", async () => {
    expect(described((await statusOf('waypoint-east')).diagnostics)).toEqual([
      'traffic-type-mismatch Service default/east',
    ]);
  });
});

describe('namespace bindings diagnostics', () => {
  it("shows the namespace's own diagnostics, with structured fields", async () => {
    const page = await getNamespaceBindings(deps, { caller, cluster: 'c', namespace: 'other' });
    expect(page.diagnostics).toMatchObject([
      {
        code: 'dangling-reference',
        subject: 'Service other/ratings',
        namespace: 'other',
        waypoint: { namespace: 'other', name: 'gone' },
        object: { kind: 'Service', namespace: 'other', name: 'ratings' },
      },
    ]);
  });
});

describe('reconcile now', () => {
  it('answers the namespace bindings and asks the pipeline to reconcile it, the caller as actor', async () => {
    const queued: ReconcileRequest[] = [];
    const page = await reconcileNow(
      { ...deps, queue: { enqueue: async (requests) => void queued.push(...requests) } },
      { caller, cluster: 'c', namespace: 'other' },
    );
    expect(page.services.map((s) => s.name)).toEqual(['ratings']);
    expect(queued).toEqual([
      { cluster: 'c', namespace: 'other', trigger: 'api', actor: 'jwt:alice', auditIds: [] },
    ]);
  });

  it('needs the right to mutate the namespace: a viewer is refused and nothing is queued', async () => {
    const viewer = policyAuthorizer(
      parsePolicy(
        '{"version":1,"rules":[{"subjects":["*"],"role":"viewer","clusters":["*"],"namespaces":["*"]}]}',
      ),
    );
    const queued: ReconcileRequest[] = [];
    await expect(
      reconcileNow(
        {
          ...deps,
          authorizer: viewer,
          queue: { enqueue: async (requests) => void queued.push(...requests) },
        },
        { caller, cluster: 'c', namespace: 'other' },
      ),
    ).rejects.toThrow(ForbiddenError);
    expect(queued).toEqual([]);
  });
});

describe('waypoint list and status count ServiceEntries and WorkloadEntries', () => {
  const withEntries: ClusterSnapshot = {
    ...snapshot,
    services: [service('default', 'reviews')],
    serviceEntries: [
      {
        // No label: namespace default's waypoint, a service waypoint (§15 S1).
        metadata: { name: 'api', namespace: 'default', labels: {} },
        spec: {
          hosts: ['api.example.com'],
          resolution: 'STATIC',
          // The endpoint's own label picks the workload waypoint (§15 E4).
          endpoints: [{ address: '10.0.0.9', labels: { [USE]: 'waypoint-east' } }],
        },
      },
    ],
    workloadEntries: [
      {
        // spec.labels name the waypoint (§15 E1).
        metadata: { name: 'vm', namespace: 'default', labels: {} },
        spec: { address: '10.0.0.8', labels: { [USE]: 'waypoint-east' } },
      },
    ],
  };
  const entryCluster = {
    clusterSnapshot: async () => withEntries,
    getGateway: async () => null,
  } as unknown as Cluster;
  const entryDeps = { ...deps, clusters: { names: () => ['c'], get: () => entryCluster } };

  it('counts the entries bound to each waypoint beside Services, Pods and namespaces', async () => {
    const list = await listWaypoints(entryDeps, { caller, cluster: 'c' });
    expect(list.map((w) => [w.name, w.bound])).toEqual([
      ['waypoint', { services: 1, pods: 0, namespaces: 1, serviceEntries: 1, workloadEntries: 0 }],
      [
        'waypoint-east',
        { services: 0, pods: 0, namespaces: 0, serviceEntries: 0, workloadEntries: 2 },
      ],
    ]);
  });

  it('lists the entries bound to a waypoint in its status, inline endpoints with their address', async () => {
    const status = await waypointStatus(entryDeps, {
      caller,
      cluster: 'c',
      namespace: 'default',
      name: 'waypoint-east',
    });
    expect(status.boundServiceEntries).toEqual([]);
    expect(
      status.boundWorkloadEntries.map((b) => [b.name, b.serviceEntryEndpoint ?? null]),
    ).toEqual([
      ['api', '10.0.0.9'],
      ['vm', null],
    ]);
    const primary = await waypointStatus(entryDeps, {
      caller,
      cluster: 'c',
      namespace: 'default',
      name: 'waypoint',
    });
    expect(primary.boundServiceEntries.map((b) => b.name)).toEqual(['api']);
  });
});
