/**
 * The `waypointer` CLI: bindings and plan, their output formats and their errors.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.ts';

const WALKTHROUGH = new URL('../fixtures/bookinfo-walkthrough.json', import.meta.url).pathname;
const BOOKINFO = new URL('../../infra/local/kube-api/seeds/bookinfo.yaml', import.meta.url)
  .pathname;

describe('waypointer bindings', () => {
  it('prints one JSON entry for every Service and Pod, and the diagnostics', async () => {
    const { code, stdout, stderr } = await cli(['bindings', '-A', '-f', WALKTHROUGH, '-o', 'json']);
    expect([code, stderr]).toEqual([0, '']);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual([
      'verb',
      'namespace',
      'services',
      'pods',
      'namespaces',
      'diagnostics',
      'serviceEntries',
      'workloadEntries',
    ]);
    expect(report.services).toHaveLength(7);
    expect(report.pods).toHaveLength(9);
    expect(report.services.find((s: { name: string }) => s.name === 'reviews')).toEqual({
      namespace: 'default',
      name: 'reviews',
      waypoint: { namespace: 'default', name: 'reviews-svc-waypoint' },
      canary: null,
      via: 'service',
      condition: {
        status: 'True',
        reason: 'WaypointAccepted',
        message: 'Successfully attached to waypoint default/reviews-svc-waypoint',
      },
    });
    expect(report.pods.find((p: { name: string }) => p.name.startsWith('reviews-v2-6f'))).toEqual({
      namespace: 'default',
      name: 'reviews-v2-6f85cb9b7c-9jbd8',
      waypoint: { namespace: 'default', name: 'reviews-v2-pod-waypoint' },
      via: 'pod',
    });
    expect(report.diagnostics).toEqual([]);
  });

  it.each<[string, string[], object]>([
    [
      'N9 Istio 1.31 (the default) shows the canary of a Service',
      [],
      { waypoint: 'reviews-svc-waypoint', canary: { waypoint: 'waypoint', weight: 10 } },
    ],
    [
      'N1 --istio-version 1.30 reads no canary label',
      ['--istio-version', '1.30'],
      { waypoint: 'reviews-svc-waypoint', canary: null },
    ],
    [
      'N9 --istio-version 1.31 names the default',
      ['--istio-version=1.31'],
      { waypoint: 'reviews-svc-waypoint', canary: { waypoint: 'waypoint', weight: 10 } },
    ],
  ])('%s', async (_rule, flags, expected) => {
    const snapshot = JSON.parse(readFileSync(WALKTHROUGH, 'utf8'));
    const reviews = snapshot.items.find(
      (o: { kind: string; metadata: { name: string } }) =>
        o.kind === 'Service' && o.metadata.name === 'reviews',
    );
    reviews.metadata.labels['istio.io/use-waypoint-canary'] = 'waypoint';
    reviews.metadata.annotations = { 'istio.io/use-waypoint-canary-weight': '10' };
    const { code, stdout, stderr } = await cli(
      ['bindings', '-n', 'default', '-f', '-', '-o', 'json', ...flags],
      JSON.stringify(snapshot),
    );
    expect([code, stderr]).toEqual([0, '']);
    const found = JSON.parse(stdout).services.find((s: { name: string }) => s.name === 'reviews');
    expect({
      waypoint: found.waypoint.name,
      canary: found.canary && { waypoint: found.canary.waypoint.name, weight: found.canary.weight },
    }).toEqual(expected);
  });

  it('refuses an Istio version it does not know', async () => {
    const { code, stderr } = await cli(['bindings', '-f', WALKTHROUGH, '--istio-version', '1.29']);
    expect([code, stderr]).toEqual([
      1,
      'Error: --istio-version: unknown Istio version "1.29": use 1.30 or 1.31\n',
    ]);
  });

  it('reads standard input with -f -, in YAML', async () => {
    const { code, stdout } = await cli(['bindings', '-f', '-'], readFileSync(BOOKINFO, 'utf8'));
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'NAMESPACE   SERVICE       WAYPOINT   VIA   REASON',
      'default     details       <none>     -     -',
    ]);
  });

  it.each<[string, string[], string, string]>([
    [
      'an unknown output',
      ['bindings', '-f', '-', '-o', 'xml'],
      '{}',
      'Error: unknown output format "xml": use table, json or yaml\n',
    ],
    [
      'a missing file',
      ['bindings', '-f', '/nonexistent/cluster.json'],
      '',
      "Error: ENOENT: no such file or directory, open '/nonexistent/cluster.json'\n",
    ],
    [
      'bad input',
      ['bindings', '-f', '-'],
      '{"kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}]}',
      'Error: items[0] (Pod p): metadata.namespace: Invalid input: expected string, received undefined\n',
    ],
    [
      'an unknown command',
      ['bogus'],
      '',
      'Error: unknown command "bogus" for "waypointer"; run `waypointer help`\n',
    ],
  ])('fails with exit code 1 for %s', async (_case, argv, stdin, stderr) => {
    expect(await cli(argv, stdin)).toEqual({ code: 1, stdout: '', stderr });
  });

  it('notes object kinds it ignores on stderr', async () => {
    const input = JSON.stringify({
      kind: 'List',
      items: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }],
    });
    const { code, stderr } = await cli(['bindings', '-A', '-f', '-', '-o', 'json'], input);
    expect([code, stderr]).toEqual([0, 'note: ignored 1 object(s) of kind apps/v1/Deployment\n']);
  });
});

describe('waypointer plan', () => {
  it('prints the binding changes of a mutation as a table', async () => {
    const { code, stdout } = await cli([
      'plan',
      '-f',
      BOOKINFO,
      'apply',
      '-n',
      'default',
      '--enroll-namespace',
    ]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      'KIND      NAMESPACE   NAME          TRAFFIC   BEFORE   AFTER',
      'Service   default     details       service   <none>   default/waypoint via namespace',
      'Service   default     productpage   service   <none>   default/waypoint via namespace',
    ]);
  });

  it('prints warnings and the plan as JSON', async () => {
    const { code, stdout } = await cli([
      'plan',
      '-o',
      'json',
      '-f',
      WALKTHROUGH,
      'apply',
      '--enroll-namespace',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      verb: 'plan',
      steps: [
        {
          mutation: {
            op: 'applyWaypoint',
            namespace: 'default',
            name: 'waypoint',
            enrollNamespace: true,
            overwrite: false,
          },
          warnings: [
            'namespace (default) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.',
          ],
          skipped: true,
          changes: [],
        },
      ],
    });
  });

  it('says so when nothing changes', async () => {
    expect(
      (
        await cli([
          'plan',
          '-f',
          WALKTHROUGH,
          'enroll',
          'service',
          'reviews',
          '--waypoint',
          'reviews-svc-waypoint',
        ])
      ).stdout,
    ).toBe('No binding changes.\n');
  });

  it.each<[string[], string]>([
    [
      ['plan', '-f', BOOKINFO],
      'Error: missing a mutation: apply, delete, enroll, unenroll, promote, rollback\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'label', 'x'],
      'Error: unknown mutation "label": use apply, delete, enroll, unenroll, promote, rollback\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'enroll', 'service', 'reviews'],
      'Error: enroll needs --waypoint NAME (or --waypoint none to opt out), or --canary NAME\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'enroll', 'deployment', 'x', '--waypoint', 'w'],
      'Error: cannot enroll "deployment": give namespace [NS], service NAME, serviceentry NAME, workloadentry NAME, pod NAME..., or pods -l SELECTOR\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'enroll', 'service', 'nope', '--waypoint', 'w'],
      'Error: services "nope" not found\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'apply', '--for', 'both'],
      'Error: failed to create gateway: invalid traffic type: both. Valid options are: [all none service workload]\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'delete', 'waypoint'],
      'Error: waypoint default/waypoint not found\n',
    ],
    [
      ['plan', '-f', BOOKINFO, 'unenroll', 'pods', '-l', 'app in (a'],
      "Error: unable to parse requirement: found '', expected: ',' or ')'\n",
    ],
  ])('fails for %j', async (argv, stderr) => {
    expect(await cli(argv)).toEqual({ code: 1, stdout: '', stderr });
  });
});

describe('waypointer help', () => {
  it('prints the usage, also as a real process', async () => {
    const { code, stdout } = await spawnCli(['help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: waypointer COMMAND [flags]');
  });
});

describe('waypointer cluster and serve, failing to start', () => {
  it.each([
    [['cluster', '--seed', 'no-such-seed.yaml']],
    [
      [
        'serve',
        '--port',
        '0',
        '--data-dir',
        join(tmpdir(), 'waypointer-start'),
        '--seed',
        'no-such-seed.yaml',
      ],
    ],
  ])('%j says what failed, exits 1 and leaves nothing running', async (argv) => {
    const { code, stdout, stderr } = await spawnCli(argv);
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: cannot start waypointer ${argv[0]}: ENOENT: no such file or directory, open 'no-such-seed.yaml'\n`,
    });
  });
});
