/**
 * The read use cases over a stub cluster: which diagnostics a waypoint's status and a namespace's
 * bindings show. Diagnostics are matched by their structured fields, never by text, so a waypoint's
 * name that prefixes another's (`waypoint`, `waypoint-east`) does not pull in the other's.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_PERMISSIVE, parsePolicy, policyAuthorizer } from '../../shared/app/authorization.ts';
import { getNamespaceBindings, waypointStatus } from '../../shared/app/queries.ts';
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
