/**
 * Enrolling ServiceEntries and WorkloadEntries (docs/istio-semantics.md §15): the grammar's
 * `serviceentry NAME` and `workloadentry NAME` targets, their plans and warnings, and the delete
 * refusal that counts them as dependents.
 */
import { describe, expect, it } from 'vitest';
import {
  labelTarget,
  parseCommand,
  parseCommandLine,
  parseMutation,
} from '../../shared/commands/grammar.ts';
import { dependents } from '../../shared/domain/bindings.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { plan } from '../../shared/domain/plan.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';

function world(labels: { se?: Record<string, string>; we?: Record<string, string> } = {}) {
  return {
    namespaces: [namespace('ns')],
    services: [],
    pods: [],
    gateways: [
      gateway('ns', 'svc-only'),
      gateway('ns', 'wl-only', { labels: { 'istio.io/waypoint-for': 'workload' } }),
      gateway('ns', 'both', { labels: { 'istio.io/waypoint-for': 'all' } }),
    ],
    gatewayClasses: [gatewayClass('istio-waypoint')],
    serviceEntries: [
      {
        metadata: {
          name: 'api',
          namespace: 'ns',
          labels: labels.se ?? {},
          creationTimestamp: '2026-01-01T00:00:00Z',
        },
        spec: { hosts: ['api.example.com'], resolution: 'STATIC' },
      },
    ],
    workloadEntries: [
      {
        metadata: { name: 'vm-1', namespace: 'ns', labels: labels.we ?? {} },
        spec: { address: '10.9.0.1' },
      },
    ],
  } satisfies ClusterSnapshot;
}

describe('the grammar', () => {
  it.each([
    [['enroll', 'serviceentry', 'api', '--waypoint', 'w'], { kind: 'serviceentry', name: 'api' }],
    [['enroll', 'se', 'api', '--waypoint', 'w'], { kind: 'serviceentry', name: 'api' }],
    [['unenroll', 'workloadentry', 'vm-1'], { kind: 'workloadentry', name: 'vm-1' }],
    [['unenroll', 'we', 'vm-1'], { kind: 'workloadentry', name: 'vm-1' }],
  ])('parses %j', (words, target) => {
    const { command } = parseCommandLine(words);
    expect(command).toMatchObject({ target });
    expect(labelTarget(target as never, 'ns')).toEqual({ ...target, namespace: 'ns' });
  });

  it('takes structured targets (EventBridge) of both kinds, and refuses unknown fields', () => {
    expect(
      parseCommand({
        verb: 'enroll',
        target: { kind: 'serviceentry', name: 'api' },
        waypoint: 'w',
      }),
    ).toMatchObject({ target: { kind: 'serviceentry', name: 'api' } });
    expect(
      parseCommand({ verb: 'unenroll', target: { kind: 'workloadentry', name: 'vm-1' } }),
    ).toMatchObject({ target: { kind: 'workloadentry', name: 'vm-1' } });
    expect(() =>
      parseCommand({ verb: 'unenroll', target: { kind: 'workloadentry', names: ['vm-1'] } }),
    ).toThrow(/target/);
  });

  it.each([
    [
      ['enroll', 'serviceentry', '--waypoint', 'w'],
      /enroll serviceentry takes one ServiceEntry name/,
    ],
    [
      ['unenroll', 'workloadentry', 'a', 'b'],
      /unenroll workloadentry takes one WorkloadEntry name/,
    ],
    [['enroll', 'workloadentry', 'vm-1', '--canary', 'c'], /canary/],
  ])('refuses %j', (words, message) => {
    expect(() => parseCommandLine(words)).toThrow(message);
  });
});

describe('plans', () => {
  it('S1 enrolling a ServiceEntry binds it (a ServiceEntry change of service traffic)', () => {
    const p = plan(
      world(),
      parseMutation(['enroll', 'se', 'api', '--waypoint', 'both', '-n', 'ns']),
    );
    expect(p.warnings).toEqual([]);
    expect(p.changes.map((c) => [c.kind, c.name, c.traffic, c.after?.waypoint?.name])).toEqual([
      ['ServiceEntry', 'api', 'service', 'both'],
    ]);
  });

  it('E2 enrolling a WorkloadEntry binds it (a WorkloadEntry change of workload traffic)', () => {
    const p = plan(
      world(),
      parseMutation(['enroll', 'we', 'vm-1', '--waypoint', 'both', '-n', 'ns']),
    );
    expect(p.changes.map((c) => [c.kind, c.name, c.traffic, c.after?.waypoint?.name])).toEqual([
      ['WorkloadEntry', 'vm-1', 'workload', 'both'],
    ]);
  });

  it.each([
    [
      'a ServiceEntry onto a workload-only waypoint',
      'se',
      'api',
      'wl-only',
      /serves workload traffic .*not service traffic: the ServiceEntry gets no waypoint/,
    ],
    [
      'a WorkloadEntry onto a service-only waypoint',
      'we',
      'vm-1',
      'svc-only',
      /serves service traffic .*not workload traffic: the WorkloadEntry gets no waypoint/,
    ],
    ['a waypoint that does not exist yet', 'se', 'api', 'later', /does not exist yet/],
  ])('warns when enrolling %s (UnsupportedTrafficType)', (_, kind, name, waypoint, warning) => {
    const p = plan(
      world(),
      parseMutation(['enroll', kind, name, '--waypoint', waypoint, '-n', 'ns']),
    );
    expect(p.warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('unenrolling a ServiceEntry removes its label', () => {
    const p = plan(
      world({ se: { [USE]: 'both' } }),
      parseMutation(['unenroll', 'se', 'api', '-n', 'ns']),
    );
    expect(p.changes.map((c) => [c.kind, c.before?.waypoint?.name, c.after?.waypoint])).toEqual([
      ['ServiceEntry', 'both', null],
    ]);
  });

  it('E1 warns when unenrolling a WorkloadEntry whose spec.labels still name a waypoint', () => {
    const snapshot = world({ we: { [USE]: 'both' } });
    const withSpec = {
      ...snapshot,
      workloadEntries: snapshot.workloadEntries.map((e) => ({
        ...e,
        spec: { ...e.spec, labels: { [USE]: 'svc-only' } },
      })),
    };
    const p = plan(withSpec, parseMutation(['unenroll', 'we', 'vm-1', '-n', 'ns']));
    expect(p.warnings).toEqual([
      'WorkloadEntry ns/vm-1 keeps istio.io/use-waypoint: svc-only in spec.labels, which unenroll does not change (istiod reads spec.labels under metadata.labels): remove it from the WorkloadEntry to unenroll it',
    ]);
    expect(p.changes.map((c) => [c.before?.waypoint?.name, c.after?.waypoint?.name])).toEqual([
      ['both', undefined],
    ]);
  });

  it('refuses an entry that does not exist, naming it as the API server would', () => {
    expect(() =>
      plan(world(), parseMutation(['enroll', 'se', 'nope', '--waypoint', 'both', '-n', 'ns'])),
    ).toThrow(new NotFoundError('serviceentries.networking.istio.io "nope" not found'));
    expect(() => plan(world(), parseMutation(['unenroll', 'we', 'nope', '-n', 'ns']))).toThrow(
      new NotFoundError('workloadentries.networking.istio.io "nope" not found'),
    );
  });

  it('a namespace enrollment also shows the entries it moves', () => {
    const p = plan(world(), parseMutation(['enroll', 'namespace', 'ns', '--waypoint', 'both']));
    expect(p.changes.map((c) => c.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'ServiceEntry', 'WorkloadEntry']),
    );
  });
});

describe('canaries of ServiceEntries (§5.1, S1: a ServiceEntry is bound like a Service)', () => {
  const withCanaryWaypoint = (snapshot: ClusterSnapshot): ClusterSnapshot => ({
    ...snapshot,
    gateways: [
      ...snapshot.gateways,
      gateway('ns', 'both-v2', { labels: { 'istio.io/waypoint-for': 'all' } }),
    ],
  });

  it('enroll --canary sets the canary of a ServiceEntry; promote makes it the waypoint', () => {
    const snapshot = withCanaryWaypoint(world({ se: { [USE]: 'both' } }));
    const enrolled = plan(
      snapshot,
      parseMutation(['enroll', 'se', 'api', '--canary', 'both-v2', '--weight', '10', '-n', 'ns']),
    );
    expect(
      enrolled.changes.map((c) => [c.kind, c.name, (c.after as { canary: unknown }).canary]),
    ).toEqual([
      ['ServiceEntry', 'api', { waypoint: { namespace: 'ns', name: 'both-v2' }, weight: 10 }],
    ]);
    const labelled = {
      ...snapshot,
      serviceEntries: snapshot.serviceEntries?.map((e) => ({
        ...e,
        metadata: {
          ...e.metadata,
          labels: { ...e.metadata.labels, 'istio.io/use-waypoint-canary': 'both-v2' },
          annotations: { 'istio.io/use-waypoint-canary-weight': '10' },
        },
      })),
    };
    const promoted = plan(labelled, parseMutation(['promote', 'se', 'api', '-n', 'ns']));
    expect(promoted.changes.map((c) => [c.kind, c.after?.waypoint?.name])).toEqual([
      ['ServiceEntry', 'both-v2'],
    ]);
  });

  it('refuses a canary of a ServiceEntry that does not exist', () => {
    expect(() => plan(world(), parseMutation(['rollback', 'se', 'nope', '-n', 'ns']))).toThrow(
      new NotFoundError('serviceentries.networking.istio.io "nope" not found'),
    );
  });
});

describe('dependents (what deleting a waypoint leaves dangling)', () => {
  it('E1 delete --unenroll warns about a WorkloadEntry whose spec.labels name the waypoint', () => {
    const snapshot = world();
    const withSpec = {
      ...snapshot,
      workloadEntries: snapshot.workloadEntries.map((e) => ({
        ...e,
        spec: { ...e.spec, labels: { [USE]: 'both' } },
      })),
    };
    expect(dependents(withSpec, { namespace: 'ns', name: 'both' })).toEqual([
      { kind: 'WorkloadEntry', namespace: 'ns', name: 'vm-1' },
    ]);
    const p = plan(withSpec, {
      op: 'deleteWaypoint',
      namespace: 'ns',
      name: 'both',
      unenroll: true,
    });
    expect(p.warnings).toEqual([
      'WorkloadEntry ns/vm-1 keeps istio.io/use-waypoint: both in spec.labels, which unenroll does not change (istiod reads spec.labels under metadata.labels): remove it from the WorkloadEntry to unenroll it',
    ]);
  });

  it('counts ServiceEntries and WorkloadEntries whose own label names the waypoint', () => {
    const snapshot = world({ se: { [USE]: 'both' }, we: { [USE]: 'both' } });
    expect(dependents(snapshot, { namespace: 'ns', name: 'both' })).toEqual([
      { kind: 'ServiceEntry', namespace: 'ns', name: 'api' },
      { kind: 'WorkloadEntry', namespace: 'ns', name: 'vm-1' },
    ]);
  });

  it('deleting the waypoint plans the entries unbound, and --unenroll clears their labels', () => {
    const snapshot = world({ se: { [USE]: 'both' }, we: { [USE]: 'both' } });
    const p = plan(snapshot, {
      op: 'deleteWaypoint',
      namespace: 'ns',
      name: 'both',
      unenroll: true,
    });
    expect(p.changes.map((c) => [c.kind, c.after?.waypoint ?? null, c.after?.via ?? null])).toEqual(
      [
        ['ServiceEntry', null, null],
        ['WorkloadEntry', null, null],
      ],
    );
  });
});
