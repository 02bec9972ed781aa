/**
 * `--mesh-config FILE`: the CLI applies istiod's MeshConfig from a file (the `data.mesh` YAML, or the
 * `istio` ConfigMap itself) over what the cluster or snapshot says (docs/istio-semantics.md §15.1).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const snapshot = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { team: 'a' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'egress' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'egress' },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [
          {
            name: 'mesh',
            port: 15008,
            protocol: 'HBONE',
            allowedRoutes: { namespaces: { from: 'All' } },
          },
        ],
      },
      status: { addresses: [{ type: 'Hostname', value: 'waypoint.egress.svc.cluster.local' }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'istio-waypoint' },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {
        name: 'api',
        namespace: 'default',
        labels: {
          'istio.io/use-waypoint': 'waypoint',
          'istio.io/use-waypoint-namespace': 'egress',
        },
      },
      spec: { hosts: ['api.example.com'] },
    },
  ],
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mesh-config-'));
  await writeFile(
    join(dir, 'mesh.yaml'),
    'serviceEntryVisibility:\n  defaultVisibility: NAMESPACE\n',
  );
  await writeFile(
    join(dir, 'configmap.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: istio, namespace: istio-system}',
      'data:',
      '  mesh: |',
      '    discoverySelectors: [{matchLabels: {team: a}}]',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'bad.yaml'),
    'discoverySelectors:\n- matchExpressions: [{key: team, operator: Is}]\n',
  );
});

const entry = async (...flags: string[]) => {
  const { code, stdout, stderr } = await cli(
    ['bindings', '-n', 'default', '-f', '-', '-o', 'json', ...flags],
    snapshot,
  );
  return { code, stderr, entry: code === 0 ? JSON.parse(stdout).serviceEntries[0] : undefined };
};

describe('waypointer --mesh-config', () => {
  it("without it, the snapshot's (absent) MeshConfig: the cross-namespace waypoint binds", async () => {
    const { code, entry: e } = await entry();
    expect([code, e.waypoint, Object.keys(e.conditions)]).toEqual([
      0,
      { namespace: 'egress', name: 'waypoint' },
      ['istio.io/WaypointBound'],
    ]);
  });

  it('a MeshConfig YAML: NAMESPACE visibility refuses the waypoint of another namespace (S2)', async () => {
    const { code, entry: e } = await entry('--mesh-config', join(dir, 'mesh.yaml'));
    expect([
      code,
      e.waypoint,
      e.conditions['istio.io/WaypointBound'].reason,
      e.conditions['istio.io/VisibilityApplied'].reason,
    ]).toEqual([0, null, 'CrossNamespaceWaypointForbidden', 'Namespace']);
  });

  it("the istio ConfigMap: discoverySelectors hide the waypoint's namespace (M2)", async () => {
    const { code, entry: e } = await entry('--mesh-config', join(dir, 'configmap.yaml'));
    expect([code, e.waypoint, e.conditions['istio.io/WaypointBound'].reason]).toEqual([
      0,
      null,
      'WaypointIsNotReady',
    ]);
  });

  it('refuses a MeshConfig istiod could not use with an Error: line naming the field', async () => {
    const { code, stderr } = await entry('--mesh-config', join(dir, 'bad.yaml'));
    expect([code, stderr]).toEqual([
      1,
      `Error: ${join(dir, 'bad.yaml')}.discoverySelectors[0]: "Is" is not a valid pod selector operator\n`,
    ]);
  });

  it('refuses a file that is not there', async () => {
    const { code, stderr } = await entry('--mesh-config', join(dir, 'none.yaml'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: cannot read --mesh-config .*none\.yaml/);
  });

  it('goes without --api', async () => {
    const { code, stderr } = await cli([
      'bindings',
      '--api',
      'https://example.com',
      '--mesh-config',
      join(dir, 'mesh.yaml'),
    ]);
    expect([code, stderr]).toEqual([
      1,
      "Error: --api goes without --mesh-config: the deployment reads each cluster's MeshConfig\n",
    ]);
  });
});
