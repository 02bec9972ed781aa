/**
 * Use cases under failure: a label change that fails midway is put back, so a mutation is all or
 * nothing. The cluster is a stub here: these are faults the embedded API server does not make on
 * demand at a given step.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_PERMISSIVE, policyAuthorizer } from '../../shared/app/authorization.ts';
import { applyWaypoint, deleteWaypoint, enroll, unenroll } from '../../shared/app/mutations.ts';
import { ForbiddenError, UnavailableError, ValidationError } from '../../shared/domain/errors.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import type {
  Action,
  Authorizer,
  Caller,
  Cluster,
  LabelChanges,
  LabelTarget,
  Scope,
} from '../../shared/ports.ts';
import { gateway, gatewayClass, namespace, pod, service } from '../support/builders.ts';

const snapshot: ClusterSnapshot = {
  namespaces: [namespace('default', { 'istio.io/use-waypoint': 'w' })],
  services: [service('default', 'reviews', { 'istio.io/use-waypoint': 'w' })],
  pods: [
    pod('default', 'a', { 'istio.io/use-waypoint': 'old' }),
    pod('default', 'b'),
    pod('default', 'c'),
  ],
  gateways: [
    gateway('default', 'w'),
    gateway('default', 'pw', { labels: { 'istio.io/waypoint-for': 'workload' } }),
  ],
  gatewayClasses: [gatewayClass('istio-waypoint')],
};

function stubCluster(
  failAt: (call: number, target: LabelTarget) => boolean,
  failDelete = false,
  failure: (message: string) => Error = (message) => new UnavailableError(message),
): { cluster: Cluster; calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  const cluster = {
    namespaceSnapshot: async () => snapshot,
    clusterSnapshot: async () => snapshot,
    podsOf: async (target: LabelTarget) =>
      snapshot.pods.filter((p) => 'names' in target && target.names.includes(p.metadata.name)),
    getGateway: async (_ns: string, name: string) =>
      snapshot.gateways.find((g) => g.metadata.name === name) ?? null,
    setLabels: async (target: LabelTarget, labels: LabelChanges) => {
      n++;
      const what =
        target.kind === 'pods' && 'names' in target
          ? `pod ${target.names.join(',')}`
          : `${target.kind} ${target.kind === 'service' ? target.name : target.namespace}`;
      if (failAt(n, target)) throw failure(`cannot label ${what}`);
      calls.push(`${what} ${JSON.stringify(labels)}`);
      return [];
    },
    deleteGateway: async () => {
      if (failDelete) throw new UnavailableError('cannot delete');
      calls.push('delete');
      return true;
    },
  } as unknown as Cluster;
  return { cluster, calls };
}

const caller: Caller = { id: 'local:me', kind: 'local' };

const deps = (cluster: Cluster, authorizer: Authorizer = policyAuthorizer(LOCAL_PERMISSIVE)) => ({
  clusters: { names: () => ['c'], get: () => cluster },
  authorizer,
});

/** An authorizer that records what it is asked, and refuses what `refuse` says. */
function recording(refuse: (action: Action, scope: Scope) => boolean = () => false): {
  authorizer: Authorizer;
  asked: string[];
} {
  const asked: string[] = [];
  const decide = (action: Action, scope: Scope): boolean => {
    asked.push(`${action} ${scope.cluster}/${scope.namespace ?? '*'}`);
    return !refuse(action, scope);
  };
  return {
    asked,
    authorizer: {
      allows: (_caller, action, scope) => decide(action, scope),
      authorize: (_caller, action, scope) => {
        if (!decide(action, scope)) throw new ForbiddenError(`no ${action} in ${scope.namespace}`);
      },
    },
  };
}

/** Enrolls the named pods of `default` with waypoint `pw`, replacing another. */
const enrollPods = (cluster: Cluster, names: string[]): Promise<unknown> =>
  enroll(deps(cluster), {
    caller,
    cluster: 'c',
    target: { kind: 'pods', namespace: 'default', names },
    waypoint: 'pw',
    overwrite: true,
  });

describe('all-or-nothing label changes', () => {
  it('puts back the pods already labelled, and the one whose outcome is unknown, when a later pod fails', async () => {
    const { cluster, calls } = stubCluster((call) => call === 3);
    await expect(enrollPods(cluster, ['a', 'b', 'c'])).rejects.toThrow('cannot label pod c');
    expect(calls).toEqual([
      'pod a {"istio.io/use-waypoint":"pw","istio.io/use-waypoint-namespace":null}',
      'pod b {"istio.io/use-waypoint":"pw","istio.io/use-waypoint-namespace":null}',
      'pod c {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
      'pod b {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
      'pod a {"istio.io/use-waypoint":"old","istio.io/use-waypoint-namespace":null}',
    ]);
  });

  it('leaves alone the pod the cluster refused (its change was not made)', async () => {
    const { cluster, calls } = stubCluster(
      (call) => call === 2,
      false,
      (message) => new ValidationError(message, []),
    );
    await expect(enrollPods(cluster, ['a', 'b'])).rejects.toThrow('cannot label pod b');
    expect(calls).toEqual([
      'pod a {"istio.io/use-waypoint":"pw","istio.io/use-waypoint-namespace":null}',
      'pod a {"istio.io/use-waypoint":"old","istio.io/use-waypoint-namespace":null}',
    ]);
  });

  it('puts the unenrolled labels back when deleting the waypoint fails', async () => {
    const { cluster, calls } = stubCluster(() => false, true);
    await expect(
      deleteWaypoint(deps(cluster), {
        caller,
        cluster: 'c',
        namespace: 'default',
        name: 'w',
        unenroll: true,
      }),
    ).rejects.toThrow('cannot delete');
    expect(calls).toEqual([
      'namespace default {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
      'service reviews {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
      'service reviews {"istio.io/use-waypoint":"w","istio.io/use-waypoint-namespace":null}',
      'namespace default {"istio.io/use-waypoint":"w","istio.io/use-waypoint-namespace":null}',
    ]);
  });

  it.each<[string, Cluster['getGateway'] | undefined, 'deleted' | 'put back']>([
    ['it is gone: the delete was made, and the labels stay removed', async () => null, 'deleted'],
    ['it is still there: the labels are put back', undefined, 'put back'],
    [
      'it cannot be read: the labels are put back',
      async () => {
        throw new UnavailableError('no answer');
      },
      'put back',
    ],
  ])(
    'reads the Gateway back when its delete did not answer: %s',
    async (_, getGateway, outcome) => {
      const stub = stubCluster(() => false, true);
      const cluster = getGateway === undefined ? stub.cluster : { ...stub.cluster, getGateway };
      const deleting = deleteWaypoint(deps(cluster), {
        caller,
        cluster: 'c',
        namespace: 'default',
        name: 'w',
        unenroll: true,
      });
      const cleared = [
        'namespace default {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
        'service reviews {"istio.io/use-waypoint":null,"istio.io/use-waypoint-namespace":null}',
      ];
      if (outcome === 'deleted') {
        expect((await deleting).done).toEqual([
          'removed istio.io/use-waypoint from Namespace default, Service default/reviews',
          'waypoint default/w deleted',
        ]);
        expect(stub.calls).toEqual(cleared);
      } else {
        await expect(deleting).rejects.toThrow('cannot delete');
        expect(stub.calls).toHaveLength(4);
      }
    },
  );

  it('says so when a label cannot be put back', async () => {
    const { cluster } = stubCluster((call) => call >= 2);
    await expect(enrollPods(cluster, ['b', 'c'])).rejects.toThrow(
      'cannot label pod c (and the labels of {"kind":"pods","namespace":"default","names":["c"]}, {"kind":"pods","namespace":"default","names":["b"]} could not be put back)',
    );
  });
});

describe('a change that is done, but cannot be read back', () => {
  /** The stub cluster whose snapshots fail with `error` after the first read. */
  function unreadable(error: Error): Cluster {
    const { cluster } = stubCluster(() => false);
    let reads = 0;
    const read = async (): Promise<ClusterSnapshot> => {
      if (reads++ > 0) throw error;
      return snapshot;
    };
    return { ...cluster, namespaceSnapshot: read, clusterSnapshot: read };
  }

  it.each([
    [
      'enroll',
      (c: Cluster) =>
        enroll(deps(c), {
          caller,
          cluster: 'c',
          target: { kind: 'namespace', namespace: 'default' },
          waypoint: 'w',
          overwrite: true,
        }),
    ],
    [
      'unenroll',
      (c: Cluster) =>
        unenroll(deps(c), {
          caller,
          cluster: 'c',
          target: { kind: 'namespace', namespace: 'default' },
        }),
    ],
    [
      'delete',
      (c: Cluster) =>
        deleteWaypoint(deps(c), {
          caller,
          cluster: 'c',
          namespace: 'default',
          name: 'w',
          unenroll: true,
        }),
    ],
  ] as const)(
    '%s answers without the observed changes, and a warning, when the cluster does not answer',
    async (_, run) => {
      const result = await run(unreadable(new UnavailableError('no answer')));
      expect(result.changes).toBeUndefined();
      expect(result.warnings.at(-1)).toBe(
        'the change is done, but the cluster could not be read back to show the binding changes: no answer',
      );
    },
  );

  it('fails with any other error of the read', async () => {
    await expect(
      unenroll(deps(unreadable(new ForbiddenError('no read'))), {
        caller,
        cluster: 'c',
        target: { kind: 'namespace', namespace: 'default' },
      }),
    ).rejects.toThrow('no read');
  });
});

/** A dry-run delete of `default/w`. */
const deleting = (
  d: ReturnType<typeof deps>,
  options: { force?: boolean; unenroll?: boolean },
): Promise<unknown> =>
  deleteWaypoint(d, {
    caller,
    cluster: 'c',
    namespace: 'default',
    name: 'w',
    dryRun: true,
    ...options,
  });

describe('the use cases ask the authorizer for every namespace they touch', () => {
  it.each<[string, (d: ReturnType<typeof deps>) => Promise<unknown>, string[]]>([
    [
      'apply: mutate in its namespace',
      (d) =>
        applyWaypoint(d, { caller, cluster: 'c', namespace: 'default', name: 'w', dryRun: true }),
      ['mutate c/default'],
    ],
    [
      "enroll: mutate in the target namespace, read in the waypoint's (to check it)",
      (d) =>
        enroll(d, {
          caller,
          cluster: 'c',
          target: { kind: 'service', namespace: 'default', name: 'reviews' },
          waypoint: 'w',
          dryRun: true,
        }),
      ['mutate c/default', 'read c/default'],
    ],
    [
      'unenroll: mutate in the target namespace',
      (d) =>
        unenroll(d, {
          caller,
          cluster: 'c',
          target: { kind: 'namespace', namespace: 'default' },
          dryRun: true,
        }),
      ['mutate c/default'],
    ],
    [
      'delete with force: force-delete (admin) in its namespace, mutate in each namespace of its dependents, read to name them',
      (d) => deleting(d, { force: true }),
      ['force-delete c/default', 'mutate c/default', 'read c/default', 'read c/default'],
    ],
    [
      'delete with unenroll: mutate in its namespace, then in each namespace of its dependents, read to name them',
      (d) => deleting(d, { unenroll: true }),
      ['mutate c/default', 'mutate c/default', 'read c/default', 'read c/default'],
    ],
  ])('%s', async (_case, run, expected) => {
    const { cluster } = stubCluster(() => false);
    const { authorizer, asked } = recording();
    await run(deps(cluster, authorizer));
    expect(asked).toEqual(expected);
  });

  it('refuses before reading or changing anything', async () => {
    const { cluster, calls } = stubCluster(() => false);
    const read = { count: 0 };
    const counting = {
      ...cluster,
      clusterSnapshot: async () => {
        read.count++;
        return snapshot;
      },
      namespaceSnapshot: async () => {
        read.count++;
        return snapshot;
      },
    } as Cluster;
    const { authorizer } = recording(() => true);
    await expect(
      deleteWaypoint(deps(counting, authorizer), {
        caller,
        cluster: 'c',
        namespace: 'default',
        name: 'w',
        unenroll: true,
      }),
    ).rejects.toThrow(ForbiddenError);
    await expect(
      enroll(deps(counting, authorizer), {
        caller,
        cluster: 'c',
        target: { kind: 'namespace', namespace: 'default' },
        waypoint: 'w',
      }),
    ).rejects.toThrow('no mutate in default');
    expect([read.count, calls]).toEqual([0, []]);
  });
});
