/**
 * `waypointer bindings -o json` lists ServiceEntries and WorkloadEntries (with inline endpoints)
 * as istiod binds them (docs/istio-semantics.md §15), read from the embedded cluster over HTTPS
 * with the real client-node, and from a snapshot file (`-f`).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCluster } from '@waypointer/kube-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingsPage } from '../../shared/schemas/api.ts';
import { startApi } from '../support/api.ts';
import { cli } from '../support/cli.ts';
import { cluster, raw } from '../support/kube.ts';

const SE = '/apis/networking.istio.io/v1/namespaces/default/serviceentries';
const WE = '/apis/networking.istio.io/v1/namespaces/default/workloadentries';
const GATEWAYS = '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways';

const waypoint = (name: string, trafficType: string): object => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, labels: { 'istio.io/waypoint-for': trafficType } },
  spec: {
    gatewayClassName: 'istio-waypoint',
    listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
  },
});

const egress = {
  namespace: 'default',
  name: 'egress',
};

let local: LocalCluster;
let kubeconfig: string;

beforeAll(async () => {
  local = await cluster({ readyDelayMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'entry-bindings-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, local.server.kubeconfig());
  for (const body of [waypoint('egress', 'all')]) {
    expect((await raw(local, 'POST', GATEWAYS, { body })).status).toBe(201);
  }
  const entries = [
    {
      metadata: { name: 'api', labels: { 'istio.io/use-waypoint': 'egress' } },
      spec: {
        hosts: ['api.example.com'],
        resolution: 'STATIC',
        endpoints: [
          { address: '10.1.0.1', labels: { 'istio.io/use-waypoint': 'egress' } },
          { address: '10.1.0.2' },
        ],
      },
    },
    { metadata: { name: 'wild' }, spec: { hosts: ['*.example.org'], resolution: 'DYNAMIC_DNS' } },
    {
      metadata: { name: 'shadow' },
      spec: { hosts: ['reviews.default.svc.cluster.local'], resolution: 'DNS' },
    },
  ];
  for (const e of entries) {
    const body = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', ...e };
    expect((await raw(local, 'POST', SE, { body })).status).toBe(201);
  }
  const vm = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name: 'vm-1' },
    spec: { address: '10.9.0.1', labels: { 'istio.io/use-waypoint': 'egress' } },
  };
  expect((await raw(local, 'POST', WE, { body: vm })).status).toBe(201);
  // The waypoint is ready once istiod has given it addresses.
  for (let i = 0; i < 100; i++) {
    const gw = (await raw(local, 'GET', `${GATEWAYS}/egress`)).json;
    if ((gw.status?.addresses ?? []).length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterAll(async () => {
  await local?.stop();
});

const accepted = {
  'istio.io/WaypointBound': {
    status: 'True',
    reason: 'WaypointAccepted',
    message: 'Successfully attached to waypoint default/egress',
  },
};

const expectedEntries = {
  serviceEntries: [
    {
      namespace: 'default',
      name: 'api',
      waypoint: egress,
      via: 'serviceentry',
      canary: null,
      conditions: accepted,
    },
    {
      namespace: 'default',
      name: 'shadow',
      waypoint: null,
      via: null,
      canary: null,
      conditions: {},
    },
    {
      namespace: 'default',
      name: 'wild',
      waypoint: null,
      via: null,
      canary: null,
      conditions: {
        'istio.io/WaypointMissing': {
          status: 'True',
          reason: 'NoWaypointForWildcardService',
          message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
        },
      },
    },
  ],
  workloadEntries: [
    {
      namespace: 'default',
      name: 'api',
      waypoint: egress,
      via: 'workloadentry',
      conditions: {},
      serviceEntryEndpoint: '10.1.0.1',
    },
    {
      namespace: 'default',
      name: 'api',
      waypoint: null,
      via: null,
      conditions: {},
      serviceEntryEndpoint: '10.1.0.2',
    },
    {
      namespace: 'default',
      name: 'vm-1',
      waypoint: egress,
      via: 'workloadentry',
      conditions: accepted,
    },
  ],
};

describe('waypointer bindings -o json: ServiceEntries and WorkloadEntries', () => {
  it('reads them from the cluster for a namespace', async () => {
    const { code, stdout, stderr } = await cli([
      'bindings',
      '-n',
      'default',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ]);
    expect([code, stderr]).toEqual([0, '']);
    const report = JSON.parse(stdout);
    expect({
      serviceEntries: report.serviceEntries,
      workloadEntries: report.workloadEntries,
    }).toEqual(expectedEntries);
  });

  it('reads them from the cluster for every namespace', async () => {
    const { code, stdout } = await cli([
      'bindings',
      '-A',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect({
      serviceEntries: report.serviceEntries,
      workloadEntries: report.workloadEntries,
    }).toEqual(expectedEntries);
  });

  it("takes the MeshConfig of --mesh-config instead of the cluster's", async () => {
    const mesh = join(kubeconfig, '..', 'mesh.yaml');
    await writeFile(mesh, 'serviceEntryVisibility: {defaultVisibility: PUBLIC}\n');
    const { code, stdout, stderr } = await cli([
      'bindings',
      '-n',
      'default',
      '--kubeconfig',
      kubeconfig,
      '--mesh-config',
      mesh,
      '-o',
      'json',
    ]);
    expect([code, stderr]).toEqual([0, '']);
    const api = JSON.parse(stdout).serviceEntries[0];
    expect([api.name, api.conditions['istio.io/VisibilityApplied']?.reason]).toEqual([
      'api',
      'Public',
    ]);
  });

  it('reads them from a snapshot file, the MeshConfig ConfigMap included', async () => {
    const items = [
      ...(await raw(local, 'GET', '/api/v1/namespaces')).json.items.map((o: object) => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        ...o,
      })),
      ...(await raw(local, 'GET', '/api/v1/services')).json.items.map((o: object) => ({
        apiVersion: 'v1',
        kind: 'Service',
        ...o,
      })),
      ...(await raw(local, 'GET', '/apis/gateway.networking.k8s.io/v1/gateways')).json.items,
      ...(await raw(local, 'GET', '/apis/gateway.networking.k8s.io/v1/gatewayclasses')).json.items,
      ...(await raw(local, 'GET', '/apis/networking.istio.io/v1/serviceentries')).json.items,
      ...(await raw(local, 'GET', '/apis/networking.istio.io/v1/workloadentries')).json.items,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'istio', namespace: 'istio-system' },
        data: { mesh: 'serviceEntryVisibility: {defaultVisibility: NAMESPACE}\n' },
      },
    ];
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
    const { code, stdout, stderr } = await cli(
      ['bindings', '-n', 'default', '-f', '-', '-o', 'json'],
      input,
    );
    expect([code, stderr]).toEqual([0, '']);
    const report = JSON.parse(stdout);
    expect(
      report.serviceEntries.map((b: { name: string; conditions: object }) => [
        b.name,
        Object.keys(b.conditions),
      ]),
    ).toEqual([
      ['api', ['istio.io/WaypointBound', 'istio.io/VisibilityApplied']],
      ['shadow', []],
      ['wild', ['istio.io/WaypointMissing', 'istio.io/VisibilityApplied']],
    ]);
    expect(report.workloadEntries).toEqual(expectedEntries.workloadEntries);
  });

  it('GET .../bindings of a namespace and of the cluster list them in the documented shape', async () => {
    const api = await startApi({ local });
    try {
      for (const path of [
        '/v1/clusters/local/namespaces/default/bindings',
        '/v1/clusters/local/bindings',
      ]) {
        const { status, json } = await api.call('GET', path);
        expect(status).toBe(200);
        const page = bindingsPage.parse(json);
        expect({
          serviceEntries: page.serviceEntries,
          workloadEntries: page.workloadEntries,
        }).toEqual(expectedEntries);
      }
    } finally {
      await api.stop();
    }
  });
});
