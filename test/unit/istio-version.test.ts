/**
 * The Istio version key: per cluster in `WAYPOINTER_CLUSTERS` (default 1.31), carried by every
 * snapshot read from that cluster, and read by the binding rules that differ (§13).
 */
import { describe, expect, it } from 'vitest';
import { withIstioVersion } from '../../shared/adapters/kubernetes/registry.ts';
import { SnapshotCluster } from '../../shared/commands/snapshot-cluster.ts';
import { loadConfig } from '../../shared/config.ts';
import { computeBindings } from '../../shared/domain/bindings.ts';
import { atLeast } from '../../shared/domain/istio-version.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const snapshot: ClusterSnapshot = {
  namespaces: [namespace('default')],
  services: [
    {
      metadata: {
        namespace: 'default',
        name: 'reviews',
        labels: { 'istio.io/use-waypoint': 'waypoint', 'istio.io/use-waypoint-canary': 'v2' },
        annotations: { 'istio.io/use-waypoint-canary-weight': '25' },
      },
    },
  ],
  pods: [],
  gateways: [gateway('default', 'waypoint'), gateway('default', 'v2')],
  gatewayClasses: [gatewayClass('istio-waypoint')],
};

describe('Istio version', () => {
  it('is read per cluster from WAYPOINTER_CLUSTERS, and may be left out', () => {
    const config = loadConfig({
      WAYPOINTER_CLUSTERS: JSON.stringify({
        old: { kubeconfig: '/k', istioVersion: '1.30' },
        prod: { eks: { name: 'p', region: 'eu-west-1' }, istioVersion: '1.31' },
        dev: { kubeconfig: '/k' },
      }),
    });
    expect(Object.values(config.clusters).map((c) => c.istioVersion)).toEqual([
      '1.30',
      '1.31',
      undefined,
    ]);
  });

  it('refuses a version it does not know, naming the cluster', () => {
    expect(() =>
      loadConfig({
        WAYPOINTER_CLUSTERS: JSON.stringify({ old: { kubeconfig: '/k', istioVersion: '1.29' } }),
      }),
    ).toThrow(/WAYPOINTER_CLUSTERS\.old.*istioVersion|istioVersion.*1\.30/);
  });

  it.each<[string, '1.30' | '1.31' | undefined, object | null]>([
    ['N1 1.30 reads no canary', '1.30', null],
    [
      'N9 1.31 binds the canary',
      '1.31',
      { waypoint: { namespace: 'default', name: 'v2' }, weight: 25 },
    ],
    [
      'N9 no version is 1.31',
      undefined,
      { waypoint: { namespace: 'default', name: 'v2' }, weight: 25 },
    ],
  ])('%s: snapshots of a cluster carry its version', async (_rule, version, canary) => {
    const plain = new SnapshotCluster(snapshot);
    const cluster = version === undefined ? plain : withIstioVersion(plain, version);
    for (const read of [cluster.clusterSnapshot(), cluster.namespaceSnapshot('default')]) {
      const taken = await read;
      expect(taken.istioVersion).toBe(version);
      expect(computeBindings(taken).services[0]?.canary).toEqual(canary);
    }
  });

  it('orders versions', () => {
    expect([atLeast('1.30', '1.31'), atLeast('1.31', '1.31'), atLeast('1.31', '1.30')]).toEqual([
      false,
      true,
      true,
    ]);
  });
});
