/**
 * The embedded cluster's simulated istiod writes the conditions istiod writes on ServiceEntries and
 * WorkloadEntries (docs/istio-semantics.md §15 S6-S8, E3), by waypointer's rules, and keeps them up
 * to date as labels, waypoints and the MeshConfig change. Read back over HTTPS as kubectl would.
 */
import type { LocalCluster } from '@waypointer/kube-api';
import { eventuallyAsync } from '@waypointer/kube-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istiodEntryStatus } from '../../shared/adapters/kubernetes/istiod-entry-status.ts';
import { cluster, raw } from '../support/kube.ts';

const SE = '/apis/networking.istio.io/v1/namespaces/default/serviceentries';
const WE = '/apis/networking.istio.io/v1/namespaces/default/workloadentries';
const GATEWAYS = '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways';
const CONFIGMAPS = '/api/v1/namespaces/istio-system/configmaps';

let local: LocalCluster;
beforeAll(async () => {
  local = await cluster({ entryRules: istiodEntryStatus });
});
afterAll(async () => {
  await local?.stop();
});

type Condition = { type: string; status: string; reason: string; message: string };

async function conditions(path: string): Promise<Record<string, string>> {
  const object = (await raw(local, 'GET', path)).json;
  return Object.fromEntries(
    ((object.status?.conditions ?? []) as Condition[]).map((c) => [
      c.type,
      `${c.status} ${c.reason}: ${c.message}`,
    ]),
  );
}

async function until(
  path: string,
  expected: Record<string, string>,
): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  try {
    return await eventuallyAsync(async () => {
      last = await conditions(path);
      return JSON.stringify(last) === JSON.stringify(expected) ? last : undefined;
    });
  } catch {
    return last;
  }
}

describe('simulated istiod: ServiceEntry and WorkloadEntry conditions', () => {
  it('follows a ServiceEntry from a missing waypoint to a ready one, and a WorkloadEntry with it', async () => {
    const entry = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'ext', labels: { 'istio.io/use-waypoint': 'egress' } },
      spec: { hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS' },
    };
    expect((await raw(local, 'POST', SE, { body: entry })).status).toBe(201);
    const vm = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'vm' },
      spec: { address: '10.9.0.1', labels: { 'istio.io/use-waypoint': 'egress' } },
    };
    expect((await raw(local, 'POST', WE, { body: vm })).status).toBe(201);
    expect(
      await until(`${SE}/ext`, {
        'istio.io/WaypointBound':
          'False WaypointIsNotReady: waypoint "default/egress" is not ready',
        'istio.io/WaypointMissing':
          'True NoWaypointForWildcardService: ServiceEntry will not apply until it is bound to a valid waypoint.',
      }),
    ).toEqual({
      'istio.io/WaypointBound': 'False WaypointIsNotReady: waypoint "default/egress" is not ready',
      'istio.io/WaypointMissing':
        'True NoWaypointForWildcardService: ServiceEntry will not apply until it is bound to a valid waypoint.',
    });
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'egress', labels: { 'istio.io/waypoint-for': 'all' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    };
    expect((await raw(local, 'POST', GATEWAYS, { body: gateway })).status).toBe(201);
    const bound = {
      'istio.io/WaypointBound':
        'True WaypointAccepted: Successfully attached to waypoint default/egress',
    };
    expect(await until(`${SE}/ext`, bound)).toEqual(bound);
    expect(await until(`${WE}/vm`, bound)).toEqual(bound);
  });

  it('writes VisibilityApplied once the MeshConfig sets serviceEntryVisibility', async () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio' },
      data: { mesh: 'serviceEntryVisibility:\n  defaultVisibility: NAMESPACE\n' },
    };
    expect((await raw(local, 'POST', CONFIGMAPS, { body: configMap })).status).toBe(201);
    const expected = {
      'istio.io/WaypointBound':
        'True WaypointAccepted: Successfully attached to waypoint default/egress',
      'istio.io/VisibilityApplied':
        'True Namespace: ServiceEntry is visible only within its own namespace (NAMESPACE), per mesh serviceEntryVisibility.',
    };
    expect(await until(`${SE}/ext`, expected)).toEqual(expected);
  });
});
