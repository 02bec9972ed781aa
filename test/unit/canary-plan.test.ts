/**
 * Canary mutations (`enroll --canary`, `promote`, `rollback`) through the grammar, the plan and
 * the use case over a cluster, and the delete refusal that knows canaries.
 */
import { describe, expect, it } from 'vitest';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { policyAuthorizer } from '../../shared/app/authorization.ts';
import { runCommand } from '../../shared/app/run-command.ts';
import { parseMutation } from '../../shared/commands/grammar.ts';
import { SnapshotCluster } from '../../shared/commands/snapshot-cluster.ts';
import { dependents, type ServiceBinding } from '../../shared/domain/bindings.ts';
import type { ClusterSnapshot, Service } from '../../shared/domain/model.ts';
import { plan } from '../../shared/domain/plan.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const CANARY = 'istio.io/use-waypoint-canary';
const CANARY_NS = 'istio.io/use-waypoint-canary-namespace';
const WEIGHT = 'istio.io/use-waypoint-canary-weight';
const USE = 'istio.io/use-waypoint';

function world(reviews: Partial<Service['metadata']> = {}): ClusterSnapshot {
  return {
    namespaces: [namespace('default'), namespace('other')],
    services: [
      {
        metadata: {
          namespace: 'default',
          name: 'reviews',
          labels: { [USE]: 'waypoint', ...reviews.labels },
          annotations: { ...reviews.annotations },
        },
      },
    ],
    pods: [],
    gateways: [gateway('default', 'waypoint'), gateway('default', 'v2')],
    gatewayClasses: [gatewayClass('istio-waypoint')],
  };
}

const summary = (snapshot: ClusterSnapshot, words: string[]) => {
  const p = plan(snapshot, parseMutation(words));
  return p.changes.map((c) => {
    const after = c.after as {
      waypoint: { name: string } | null;
      canary?: { waypoint: { name: string }; weight: number } | null;
    };
    return `${c.kind} ${c.name}: ${after.waypoint?.name ?? '-'} canary ${after.canary ? `${after.canary.waypoint.name} ${after.canary.weight}` : '-'}`;
  });
};

describe('canary mutations in a plan', () => {
  it.each<[string, ClusterSnapshot, string[], string[]]>([
    [
      'enroll --canary --weight sets the canary and its weight',
      world(),
      ['enroll', 'service', 'reviews', '--canary', 'v2', '--weight', '10'],
      ['Service reviews: waypoint canary v2 10'],
    ],
    [
      'enroll --canary keeps the weight when --weight is not given',
      world({ annotations: { [WEIGHT]: '30' } }),
      ['enroll', 'service', 'reviews', '--canary', 'v2'],
      ['Service reviews: waypoint canary v2 30'],
    ],
    [
      'promote makes the canary the waypoint and drops the canary',
      world({ labels: { [CANARY]: 'v2' }, annotations: { [WEIGHT]: '50' } }),
      ['promote', 'service', 'reviews'],
      ['Service reviews: v2 canary -'],
    ],
    [
      'rollback drops the canary and keeps the waypoint',
      world({ labels: { [CANARY]: 'v2' }, annotations: { [WEIGHT]: '50' } }),
      ['rollback', 'service', 'reviews'],
      ['Service reviews: waypoint canary -'],
    ],
    [
      'enroll namespace --canary reaches Services that inherit the waypoint (N2)',
      {
        ...world(),
        namespaces: [namespace('default', { [USE]: 'waypoint' })],
        services: [{ metadata: { namespace: 'default', name: 'ratings' } }],
      },
      ['enroll', 'namespace', 'default', '--canary', 'v2', '--weight', '5'],
      ['Service ratings: waypoint canary v2 5'],
    ],
  ])('%s', (_name, snapshot, words, expected) => {
    expect(summary(snapshot, words)).toEqual(expected);
  });

  it('promote moves the canary namespace to the waypoint namespace', () => {
    const snapshot = world({ labels: { [CANARY]: 'v2', [CANARY_NS]: 'default' } });
    const after = plan(snapshot, parseMutation(['promote', 'service', 'reviews']));
    expect(after.changes[0]?.after).toMatchObject({
      waypoint: { namespace: 'default', name: 'v2' },
    });
  });

  it.each<[string, ClusterSnapshot, string[], string]>([
    [
      'promote without a canary',
      world(),
      ['promote', 'service', 'reviews'],
      'service default/reviews has no canary of its own (label istio.io/use-waypoint-canary)',
    ],
    [
      'rollback of a missing Service',
      world(),
      ['rollback', 'service', 'nope'],
      'services "nope" not found',
    ],
    [
      'a weight over 100',
      world(),
      ['enroll', 'service', 'reviews', '--canary', 'v2', '--weight', '101'],
      'weight',
    ],
    ['a canary on pods', world(), ['enroll', 'pod', 'p', '--canary', 'v2'], 'target'],
    [
      '--waypoint and --canary together',
      world(),
      ['enroll', 'service', 'reviews', '--waypoint', 'w', '--canary', 'v2'],
      'not both',
    ],
    ['promote of pods', world(), ['promote', 'pod', 'p'], 'promote takes namespace'],
  ])('refuses %s', (_name, snapshot, words, message) => {
    expect(() => plan(snapshot, parseMutation(words))).toThrow(message);
  });
});

describe('canary commands on a cluster', () => {
  const deps = (snapshot: ClusterSnapshot) => ({
    clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
    authorizer: policyAuthorizer({
      version: 1,
      allowProtectedNamespaces: true,
      rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
    }),
  });
  const caller = { id: 'local:test', kind: 'local' as const };

  it('previews promote with --dry-run', async () => {
    const snapshot = world({ labels: { [CANARY]: 'v2' } });
    const outcome = await runCommand(deps(snapshot), {
      cluster: 'c',
      caller,
      command: 'promote service reviews -n default --dry-run',
    });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.result).toMatchObject({ verb: 'promote', dryRun: true, done: [] });
    expect((outcome.result as { plan: unknown[] }).plan).toHaveLength(1);
  });

  it('says when a cluster on Istio 1.30 would ignore the canary', async () => {
    const snapshot = { ...world(), istioVersion: '1.30' as const };
    const outcome = await runCommand(deps(snapshot), {
      cluster: 'c',
      caller,
      command: 'enroll service reviews --canary v2 --weight 5 --dry-run',
    });
    expect((outcome.result as { warnings: string[] }).warnings).toEqual([
      'the cluster runs Istio 1.30, which reads no canary labels (1.31+)',
    ]);
  });
});

describe('a waypoint used as a canary', () => {
  const snapshot = world({ labels: { [CANARY]: 'v2' }, annotations: { [WEIGHT]: '10' } });

  it('is a dependent of the Service that names it (delete refusal, reconcile fan-out)', () => {
    expect(dependents(snapshot, { namespace: 'default', name: 'v2' })).toEqual([
      { kind: 'Service', namespace: 'default', name: 'reviews', canary: true },
    ]);
  });

  it('delete --unenroll drops the canary labels and weight, and keeps the waypoint', () => {
    const p = plan(snapshot, {
      op: 'deleteWaypoint',
      namespace: 'default',
      name: 'v2',
      unenroll: true,
    });
    expect(
      p.changes.map((c) => [c.before, c.after].map((b) => (b as ServiceBinding).canary)),
    ).toEqual([[{ waypoint: { namespace: 'default', name: 'v2' }, weight: 10 }, null]]);
    expect((p.after.services[0] as ServiceBinding).waypoint?.name).toBe('waypoint');
  });

  it('is refused for delete while the canary names it', async () => {
    const outcome = await runCommand(
      {
        clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
        authorizer: policyAuthorizer({
          version: 1,
          allowProtectedNamespaces: true,
          rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
        }),
      },
      { cluster: 'c', caller: { id: 'local:t', kind: 'local' }, command: 'delete v2 -n default' },
    );
    expect(outcome.exitCode).toBe(1);
    expect(outcome.error?.message).toContain('is still used by Service default/reviews (canary)');
  });
});

describe('canary commands in Slack', () => {
  it.each([
    'promote service reviews',
    'rollback namespace default',
    'enroll service reviews --canary v2',
  ])('%s is checked at the door as a mutation of the namespace', async (text) => {
    const { accessOf } = await import('../../functions/chatops/slack-payloads.ts');
    const { parseCommand } = await import('../../shared/commands/grammar.ts');
    expect(accessOf(parseCommand(text), 'prod', 'default')).toEqual({
      action: 'mutate',
      scope: { cluster: 'prod', namespace: 'default' },
    });
  });

  it.each<[string, boolean]>([
    ['promote service reviews', true],
    ['rollback service reviews', true],
    ['rollback service reviews --dry-run', false],
    ['enroll service reviews --canary v2 --weight 5', false],
  ])('%s asks for a confirmation: %s', async (text, expected) => {
    const { isDestructive } = await import('../../functions/chatops/slack-payloads.ts');
    const { parseCommand } = await import('../../shared/commands/grammar.ts');
    expect(isDestructive(parseCommand(text))).toBe(expected);
  });
});

describe('explain knows canaries', () => {
  const run = async (snapshot: ClusterSnapshot, command: string) => {
    const { renderOutcome } = await import('../../shared/commands/render.ts');
    const outcome = await runCommand(
      {
        clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
        authorizer: policyAuthorizer({
          version: 1,
          allowProtectedNamespaces: true,
          rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
        }),
      },
      { cluster: 'c', caller: { id: 'local:t', kind: 'local' }, command },
    );
    return renderOutcome(outcome, 'table', '').stdout.split('\n');
  };

  it('N9 shows the canary, its rule, and promote and rollback', async () => {
    const lines = await run(
      world({ labels: { [CANARY]: 'v2' }, annotations: { [WEIGHT]: '5' } }),
      'explain service/reviews -n default',
    );
    expect(lines).toContain('  canary:        default/v2 5%');
    expect(lines.some((l) => l.includes('N9  a canary takes its weight'))).toBe(true);
    expect(
      lines.filter((l) => l.includes('waypointer promote') || l.includes('waypointer rollback')),
    ).toEqual([
      '                 waypointer promote service reviews -n default',
      '                 waypointer rollback service reviews -n default',
    ]);
  });

  it('N8 says why a canary is not attached', async () => {
    const lines = await run(
      world({ labels: { [CANARY]: 'v3' } }),
      'explain service/reviews -n default',
    );
    expect(
      lines.some((l) =>
        l.includes('Canary waypoint not attached: waypoint "default/v3" is not ready'),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.includes('N8  a canary istiod cannot attach'))).toBe(true);
  });
});

describe('replacing a canary', () => {
  const deps = (snapshot: ClusterSnapshot) => ({
    clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
    authorizer: policyAuthorizer({
      version: 1,
      allowProtectedNamespaces: true,
      rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
    }),
  });
  const caller = { id: 'local:t', kind: 'local' as const };
  const snapshot = world({ labels: { [CANARY]: 'v2' } });

  it.each<[string, string, number, string | undefined]>([
    [
      'another canary needs --overwrite',
      'enroll service reviews --canary v3 --dry-run',
      1,
      'service default/reviews already has canary default/v2: pass --overwrite to replace it',
    ],
    [
      'with --overwrite it is replaced',
      'enroll service reviews --canary v3 --overwrite --dry-run',
      0,
      undefined,
    ],
    [
      'the same canary with a new weight needs none',
      'enroll service reviews --canary v2 --weight 40 --dry-run',
      0,
      undefined,
    ],
  ])('%s', async (_name, command, exitCode, message) => {
    const outcome = await runCommand(deps(snapshot), {
      cluster: 'c',
      caller,
      command: `${command} -n default`,
    });
    expect([outcome.exitCode, outcome.error?.message]).toEqual([exitCode, message]);
  });
});
